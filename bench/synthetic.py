"""Synthetic data for bench/load.py, made by set-based SQL (generate_series) in one connection.

Deterministic: every "random" choice is a hash of the row number (hashtext), so two runs with
the same --controversies build the same rows (ids and the clock aside). Text comes from a small
vocabulary; only the first topic says "copyright", so `q=copyright` matches about 2% of the rows.
One story in four has a forecast of four scenarios (100,000 at 100k rows) by one of five bench
generators, 80% of them resolved; the generators' track records are filled to match.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

SLUG_PREFIX = "syn-"
SUBSET_EVERY = 20  # 1 row in 20 (5%) gets sides, stances, events and mentions
FORECAST_EVERY = 4  # 1 row in 4 gets a forecast of SCENARIOS scenarios (100k at 100k rows)
SCENARIOS = 4
ACTORS = 2_000
HALF_LIFE_SECONDS = 7 * 24 * 3600  # the API's default NOISE_HALF_LIFE_DAYS
ACTIVITY_SPREAD_SECONDS = 60 * 24 * 3600  # last activity within the past 60 days

ORGS: list[tuple[str, str]] = [
    ("OpenAI", "openai"),
    ("Google DeepMind", "google"),
    ("Anthropic", "anthropic"),
    ("Meta", "meta"),
    ("Microsoft", "microsoft"),
    ("Amazon", "amazon"),
    ("Apple", "apple"),
    ("Nvidia", "nvidia"),
    ("Mistral", "mistral"),
    ("Stability AI", "stability-ai"),
    ("Midjourney", "midjourney"),
    ("xAI", "xai"),
    ("Baidu", "baidu"),
    ("Alibaba", "alibaba"),
    ("Hugging Face", "hugging-face"),
    ("Character.AI", "character-ai"),
    ("Perplexity", "perplexity"),
    ("Cohere", "cohere"),
    ("Runway", "runway"),
    ("Tesla", "tesla"),
    ("Clearview AI", "clearview"),
    ("Palantir", "palantir"),
    ("ByteDance", "bytedance"),
    ("Samsung", "samsung"),
    ("IBM", "ibm"),
    ("Adobe", "adobe"),
    ("Scale AI", "scale-ai"),
    ("Replika", "replika"),
    ("Inflection", "inflection"),
    ("DeepSeek", "deepseek"),
]

# (title after the organisation, summary sentence, category, tag). Only the first one contains
# the word "copyright" (nor any of its stems): 1 topic in 50.
TOPICS: list[tuple[str, str, str, str]] = [
    (
        "faces a copyright lawsuit over training data",
        "Authors and publishers claim their works were used to train a model without a licence.",
        "copyright",
        "training-data",
    ),
    (
        "accused of scraping personal data",
        "Researchers found profiles and photos collected from social networks without consent.",
        "privacy",
        "scraping",
    ),
    (
        "chatbot gives dangerous medical advice",
        "Users shared answers recommending unsafe doses and untested treatments.",
        "safety",
        "health",
    ),
    (
        "image generator produces biased results",
        "Prompts for professions returned images skewed by gender and skin tone.",
        "bias",
        "images",
    ),
    (
        "lays off staff after an automation push",
        "Hundreds of support roles were cut as the company moved to automated agents.",
        "labor",
        "layoffs",
    ),
    (
        "deepfake of a politician goes viral",
        "A fabricated video reached millions of viewers before it was taken down.",
        "misinformation",
        "deepfakes",
    ),
    (
        "releases model weights under an open licence",
        "The release reopened the debate on whether powerful models should be public.",
        "open_source",
        "open-weights",
    ),
    (
        "signs a defense contract for drone targeting",
        "Employees and outside groups object to work on weapons systems.",
        "military",
        "defense",
    ),
    (
        "board ousts its chief executive",
        "The board cited a loss of confidence; investors and staff pushed back within days.",
        "governance",
        "leadership",
    ),
    (
        "safety team resigns in protest",
        "Departing researchers say product deadlines won over safety reviews.",
        "safety",
        "resignations",
    ),
    (
        "voice clone imitates an actor without consent",
        "The actor says the synthetic voice is close enough to confuse listeners.",
        "privacy",
        "voice",
    ),
    (
        "model leaks private user conversations",
        "A bug exposed chat titles and snippets of other users' sessions.",
        "privacy",
        "data-leak",
    ),
    (
        "faces an antitrust probe over a cloud deal",
        "Regulators ask whether the investment gives one provider control of the market.",
        "business",
        "antitrust",
    ),
    (
        "hiring algorithm discriminates against women",
        "An audit found that the screening model ranked similar resumes differently.",
        "bias",
        "hiring",
    ),
    (
        "facial recognition wrongly identifies a suspect",
        "A man was arrested after a false match and released days later.",
        "bias",
        "face-recognition",
    ),
    (
        "election misinformation spreads through its chatbot",
        "Answers about polling places and dates were wrong in several states.",
        "misinformation",
        "elections",
    ),
    (
        "fined under data protection law",
        "The authority found no lawful basis for processing the data of minors.",
        "privacy",
        "gdpr",
    ),
    (
        "whistleblower alleges rushed safety testing",
        "Internal documents suggest evaluations were shortened to meet a launch date.",
        "safety",
        "whistleblower",
    ),
    (
        "content moderators sue over working conditions",
        "Contractors describe trauma and low pay while labelling disturbing material.",
        "labor",
        "moderation",
    ),
    (
        "autonomous vehicle crash raises liability questions",
        "Investigators are asking who is responsible when the software is driving.",
        "safety",
        "autonomy",
    ),
    (
        "students caught using chatbots on exams",
        "Universities disagree on whether detection tools can be trusted.",
        "other",
        "education",
    ),
    (
        "music labels object to generated songs",
        "Labels want streaming services to label or remove synthetic tracks.",
        "business",
        "music",
    ),
    (
        "model refuses harmless requests and users complain",
        "Critics call the behaviour paternalistic; the company promises a fix.",
        "safety",
        "refusals",
    ),
    (
        "benchmark results questioned by researchers",
        "Independent teams could not reproduce the published scores.",
        "other",
        "benchmarks",
    ),
    (
        "energy use of data centers draws criticism",
        "Local groups oppose new sites over water and power consumption.",
        "other",
        "energy",
    ),
    (
        "hit by tighter chip export restrictions",
        "New rules limit which accelerators can be sold abroad.",
        "governance",
        "export-controls",
    ),
    (
        "open letter calls for a pause on frontier training",
        "Signatories ask labs to stop training larger systems for six months.",
        "safety",
        "pause",
    ),
    (
        "terms of service change allows training on user posts",
        "Users found the new clause and started deleting their accounts.",
        "privacy",
        "terms",
    ),
    (
        "companion app linked to harm to a teenager",
        "The family says the app encouraged isolation and did not flag warning signs.",
        "safety",
        "companions",
    ),
    (
        "newsroom publishes generated articles with errors",
        "Readers found invented quotes and wrong figures in dozens of stories.",
        "misinformation",
        "journalism",
    ),
    (
        "lawyers cite fake cases produced by a chatbot",
        "A judge sanctioned the firm after none of the cited decisions existed.",
        "misinformation",
        "legal",
    ),
    (
        "police use predictive software in neighborhoods",
        "Civil rights groups say the forecasts reinforce past patterns of policing.",
        "bias",
        "policing",
    ),
    (
        "insurer uses an algorithm to deny claims",
        "Patients say requests were refused within seconds without human review.",
        "bias",
        "insurance",
    ),
    (
        "translation errors in asylum interviews",
        "Advocates report machine translation mistakes that changed the meaning of answers.",
        "bias",
        "translation",
    ),
    (
        "generated picture wins an art competition",
        "Artists protested that the entry should not have been eligible.",
        "other",
        "art",
    ),
    (
        "voice assistant records conversations at home",
        "Recordings were kept and reviewed by contractors without clear notice.",
        "privacy",
        "assistants",
    ),
    (
        "synthetic nude images of classmates circulate",
        "Schools and parents ask for faster takedowns and criminal penalties.",
        "safety",
        "abuse",
    ),
    (
        "government drafts rules for foundation models",
        "The draft requires evaluations and incident reports for the largest systems.",
        "governance",
        "regulation",
    ),
    (
        "partnership with news publishers criticized",
        "Journalists ask whether the payments buy favourable coverage.",
        "business",
        "publishers",
    ),
    (
        "warehouse robot injuries rise",
        "Workers say the pace set by the system leaves no time for breaks.",
        "labor",
        "warehouses",
    ),
    (
        "jailbreak spreads on forums",
        "A prompt that bypasses the filters was shared thousands of times.",
        "safety",
        "jailbreaks",
    ),
    (
        "claims of superintelligence draw skepticism",
        "Scientists say the statements are marketing rather than evidence.",
        "other",
        "hype",
    ),
    (
        "valuation soars amid bubble fears",
        "Analysts compare the funding round to the dot-com years.",
        "business",
        "funding",
    ),
    (
        "paper retracted over fabricated data",
        "Reviewers found results that could not have come from the described experiments.",
        "other",
        "research",
    ),
    (
        "support bot invents a refund policy",
        "A tribunal held the company to the policy its chatbot made up.",
        "business",
        "customer-service",
    ),
    (
        "smart glasses identify strangers in public",
        "Students showed that names and addresses could be found in seconds.",
        "privacy",
        "wearables",
    ),
    (
        "emotion recognition used in job interviews",
        "Psychologists say the science behind the scores does not hold.",
        "bias",
        "emotion-ai",
    ),
    (
        "coding agent deletes a production database",
        "The agent ignored a code freeze and then misreported what it had done.",
        "safety",
        "agents",
    ),
    (
        "training set found to contain abuse material",
        "Researchers located illegal images in a widely used public dataset.",
        "safety",
        "datasets",
    ),
    (
        "union negotiates limits on automation in contracts",
        "The agreement requires consent and pay for any digital replica.",
        "labor",
        "unions",
    ),
]

FILLERS = [
    "The story was picked up by major outlets within hours.",
    "The company says it is reviewing the matter.",
    "Critics want an independent investigation.",
    "Supporters argue the concerns are overstated.",
    "Lawmakers have asked for a briefing.",
    "The debate moved quickly from forums to mainstream news.",
    "Several former employees have spoken out.",
    "The company published a short statement and declined further comment.",
    "Experts disagree on how common the problem is.",
    "The episode revived calls for clearer rules.",
]

WHY = [
    "It tests how far companies can go before regulators step in.",
    "It shapes what users can expect from the products they rely on.",
    "It sets a precedent other companies will follow.",
    "It shows how quickly trust can be lost.",
    "It affects workers, users and investors at once.",
    "It is an early case for rules that are still being written.",
]

POINTS = [
    "The first reports appeared on social media.",
    "The company acknowledged the issue.",
    "A regulator opened an inquiry.",
    "Independent researchers reproduced the findings.",
    "Users organised a boycott.",
    "The company changed its policy within a week.",
    "Investors asked for more disclosure.",
    "A lawsuit was filed.",
]

ELI5 = [
    "A company did something with its software that many people think is unfair.",
    "People are arguing about whether a computer program was used in a harmful way.",
    "Some people think a tech company broke the rules; the company says it did not.",
    "A new tool caused problems, and now people want to know who is responsible.",
]

REGIONS = ["us", "eu", "uk", "china", "india", "global"]

# Stages, weighted: more developing and dormant stories than escalating ones.
STAGES = [
    "emerging",
    "developing",
    "developing",
    "escalating",
    "resolved",
    "resolved",
    "dormant",
    "dormant",
    "dormant",
    "developing",
]

SIDE_LABELS = [
    ["The company", "Defenders", "Industry groups", "Supporters"],
    ["Critics", "Affected users", "Rights groups", "Researchers raising concerns"],
    ["Regulators", "Neutral observers", "Lawmakers", "Investors"],
]
SIDE_SUMMARIES = [
    "Say the product works as intended and the criticism is exaggerated.",
    "Say real people were harmed and want accountability.",
    "Want facts before taking a position and watch for precedent.",
]
CLAIMS = [
    "We followed every applicable rule.",
    "The harm is documented and ongoing.",
    "We need an independent audit.",
    "This is a misunderstanding of how the system works.",
    "Users were never told this could happen.",
    "Rules should apply to everyone equally.",
]

FIRST_NAMES = [
    "Aria", "Ben", "Chiara", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonas",
    "Kemi", "Lars", "Maya", "Nikhil", "Olga", "Pablo", "Quinn", "Rosa", "Sven", "Tara",
]  # fmt: skip
LAST_NAMES = [
    "Abbott", "Baptiste", "Castellano", "Dervish", "Eklund", "Fairbank", "Galloway",
    "Hollander", "Ibarra", "Jablonski", "Kowalczyk", "Lindqvist", "Marchetti", "Nakagawa",
    "Okonkwo", "Petrakis", "Quintero", "Rasmussen", "Szabo", "Tanaka", "Underhill", "Varga",
    "Whitfield", "Xiong", "Yilmaz", "Zeller", "Achterberg", "Brannigan", "Cardenas", "Delacroix",
    "Esposito", "Fontaine", "Gudmundsson", "Haverford", "Ivanova", "Jarvinen", "Kaminski",
    "Lombardi", "Moreau", "Nieminen", "Oyelaran", "Pellegrino", "Ravensworth", "Sandoval",
    "Thorvaldsen", "Uchida", "Vasquez", "Wojcik", "Yamamoto", "Zimmerman",
]  # fmt: skip
# Non-person actors are "<last name> <suffix>"; the suffix gives the kind.
SUFFIXES: list[tuple[str, str]] = [
    ("Labs", "organization"),
    ("AI", "organization"),
    ("Systems", "organization"),
    ("Technologies", "organization"),
    ("Ventures", "organization"),
    ("Media", "organization"),
    ("Institute", "organization"),
    ("Foundation", "organization"),
    ("University", "organization"),
    ("Press", "organization"),
    ("Collective", "community"),
    ("Forum", "community"),
    ("Guild", "community"),
    ("Alliance", "community"),
    ("Coalition", "community"),
    ("Commission", "government"),
    ("Agency", "government"),
    ("Authority", "government"),
    ("Council", "government"),
    ("Watch", "other"),
]

PLATFORMS = [
    "x", "x", "reddit", "reddit", "hackernews", "news", "news", "bluesky", "mastodon",
    "youtube", "blog", "other",
]  # fmt: skip
AUTHORS = ["staff writer", "tech desk", "a researcher", "an engineer", "a reporter", "anonymous"]
EXCERPTS = [
    "This is a bigger deal than people think.",
    "Read the whole thread before judging.",
    "Here is what the documents actually say.",
    "I worked there; this matches what I saw.",
    "The company's answer does not address the main point.",
    "A timeline of everything that happened so far.",
]
EVENT_TITLES = [
    "First reports",
    "Company statement",
    "Regulator opens inquiry",
    "Lawsuit filed",
    "Policy change announced",
    "Hearing scheduled",
]
EVENT_KINDS = ["announcement", "response", "legal", "policy", "release", "other"]

# Forecasters: none of the demo's, so the demo cards' track records (and the card under test in
# bench/load.py) do not change. Generator k (0-based) is calibrated with slope 1 - k/5 (below).
GENERATORS = [f"bench-model-{letter}" for letter in "abcde"]
SCENARIO_TITLES = [
    "A regulator opens a formal investigation",
    "The company settles before trial",
    "A court rules against the company",
    "The product is withdrawn or paused",
    "Lawmakers hold a public hearing",
    "The company changes the disputed policy",
    "A senior executive resigns",
    "The story fades from the news",
    "A class action is filed",
    "Another company faces the same accusation",
]
FORECAST_SUMMARIES = [
    "Pressure is rising; a formal response looks likely within weeks.",
    "The story is losing momentum; most outcomes stay unlikely.",
    "A legal fight is the most probable path; a settlement is possible.",
    "Regulators are watching; policy changes are more likely than penalties.",
]
RESOLUTION_NOTES = [
    "Confirmed by the company's statement.",
    "Reported by several outlets.",
    "Court records confirm it.",
    "Nothing happened by the horizon.",
]
# The repository's log-loss clip (app/forecasts/scoring.py LOG_LOSS_CLIP): p in [0.001, 0.999].
LOG_LOSS_CLIP = 0.001
# Its inner calibration bounds (scoring.CALIBRATION_BOUNDS): 0.1 .. 0.9.
CALIBRATION_BOUNDS = tuple(round(k / 10, 1) for k in range(1, 10))


def _h(expression: str) -> str:
    """A non-negative, deterministic hash of a text expression (bigint, never overflows)."""
    return f"(hashtext({expression})::bigint & 2147483647)"


def _pick(array: str, expression: str) -> str:
    """One element of a text[] parameter, chosen by a hash."""
    return f"({array}::text[])[1 + {_h(expression)} % cardinality({array}::text[])]"


_COMPONENT_NAMES = (
    "reach",
    "engagement",
    "star_power",
    "cross_platform",
    "polarity",
    "duration",
    "industry_impact",
)


def _components_sql() -> str:
    # Each component is the row's loudness level (skewed: most stories are quiet) plus noise
    # in -20..20, clamped to 0..100.
    parts = []
    for k in range(1, 8):
        noise = _h(f"'c{k}' || i")
        parts.append(f"least(100, greatest(0, round(lvl + {noise} % 41 - 20)))::int AS c{k}")
    return ",\n".join(parts)


def _components_json() -> str:
    parts = []
    for k, name in enumerate(_COMPONENT_NAMES, start=1):
        source = "editorial" if name == "industry_impact" else "derived"
        parts.append(f"'{name}', jsonb_build_object('value', c{k}, 'source', '{source}')")
    return "jsonb_build_object(" + ", ".join(parts) + ")"


CONTROVERSIES_SQL = f"""
WITH base AS MATERIALIZED (
  SELECT i,
         1 + {_h("'o' || i")} % cardinality($3::text[]) AS o,
         1 + {_h("'t' || i")} % cardinality($5::text[]) AS t,
         $2::timestamptz - make_interval(secs => {_h("'a' || i")} % {ACTIVITY_SPREAD_SECONDS})
           AS act,
         make_interval(days => 1 + ({_h("'d' || i")} % 365)::int) AS age,
         100 * power(({_h("'l' || i")} % 10000) / 10000.0::float8, 2.5::float8) AS lvl
  FROM generate_series(1, $1::int) AS i
), comp AS MATERIALIZED (
  SELECT base.*, {_components_sql()}
  FROM base
), state AS MATERIALIZED (
  SELECT comp.*, (c1 + c2 + c3 + c4 + c5 + c6 + c7)::float8 / 7 AS composite
  FROM comp
)
INSERT INTO controversies (
  id, slug, title, category, stage, tags, summary, why_it_matters, key_points, eli5,
  analysis_generated_by, analysis_review_status, analysis_reviewed_at, started_at, created_at,
  updated_at, industry_impact, noise_composite, noise_components, last_activity_at, hot_key,
  noise_computed_at)
SELECT
  gen_random_uuid(),
  '{SLUG_PREFIX}' || i,
  ($3::text[])[o] || ' ' || ($5::text[])[t],
  ($7::text[])[t],
  {_pick("$9", "'s' || i")},
  CASE WHEN {_h("'r' || i")} % 3 = 0
       THEN ARRAY[($8::text[])[t], ($4::text[])[o], {_pick("$10", "'g' || i")}]
       ELSE ARRAY[($8::text[])[t], ($4::text[])[o]] END,
  ($3::text[])[o] || ': ' || ($6::text[])[t] || ' ' || {_pick("$11", "'f' || i")},
  {_pick("$12", "'w' || i")},
  ARRAY[{_pick("$13", "'p1' || i")}, {_pick("$13", "'p2' || i")}],
  {_pick("$14", "'e' || i")},
  CASE WHEN i % 2 = 0 THEN 'bench-synthetic' END,
  CASE WHEN i % 4 = 0 THEN 'reviewed' ELSE 'unreviewed' END,
  CASE WHEN i % 4 = 0 THEN act END,
  act - age,
  CASE WHEN i % {SUBSET_EVERY} = 0 THEN act - age ELSE act END,
  act,
  c7,
  composite,
  {_components_json()},
  act,
  ln(greatest(composite, 1e-9)) / ln(2) + extract(epoch FROM act)::float8 / {HALF_LIFE_SECONDS},
  act
FROM state
"""

SUBSET_SQL = f"""
CREATE TEMP TABLE bench_subset AS
SELECT id, substr(slug, {len(SLUG_PREFIX) + 1})::int AS n, title, started_at, last_activity_at
FROM controversies
WHERE slug LIKE '{SLUG_PREFIX}%' AND substr(slug, {len(SLUG_PREFIX) + 1})::int % {SUBSET_EVERY} = 0
"""

ACTORS_SQL = f"""
INSERT INTO actors (id, name, name_key, kind, description, influence)
SELECT gen_random_uuid(), name, lower(name), kind,
       'A synthetic actor of the load benchmark.', 5 + {_h("'inf' || n")} % 95
FROM (
  SELECT n,
         CASE WHEN n % 40 < 20
              THEN ($1::text[])[1 + n % 40] || ' ' || ($2::text[])[1 + (n / 40) % 50]
              ELSE ($2::text[])[1 + (n / 40) % 50] || ' ' || ($3::text[])[1 + n % 40 - 20]
         END AS name,
         CASE WHEN n % 40 < 20 THEN 'person' ELSE ($4::text[])[1 + n % 40 - 20] END AS kind
  FROM generate_series(0, $5::int - 1) AS n
) a
ON CONFLICT (name_key) DO NOTHING
"""

ACTOR_NUMBERS_SQL = """
CREATE TEMP TABLE bench_actors AS
SELECT id, (row_number() OVER (ORDER BY name_key) - 1)::int AS n FROM actors
"""

SIDES_SQL = f"""
INSERT INTO sides (id, controversy_id, label, summary, position)
SELECT gen_random_uuid(), c.id,
       CASE p WHEN 0 THEN {_pick("$1", "'l0' || c.n")}
              WHEN 1 THEN {_pick("$2", "'l1' || c.n")}
              ELSE {_pick("$3", "'l2' || c.n")} END,
       ($4::text[])[1 + p],
       p
FROM bench_subset c
CROSS JOIN LATERAL generate_series(0, 1 + ({_h("'sides' || c.n")} % 2)::int) AS p
"""

# Actor offsets position * 3 + j (0..8) are distinct within a controversy, so no actor stands
# twice on one story (uq_stances_actor) as long as there are at least 9 actors.
STANCES_SQL = f"""
INSERT INTO stances (id, controversy_id, side_id, actor_id, claim)
SELECT gen_random_uuid(), s.controversy_id, s.id, a.id, {_pick("$1", "'cl' || c.n || '-' || s.position || '-' || j")}
FROM sides s
JOIN bench_subset c ON c.id = s.controversy_id
CROSS JOIN LATERAL generate_series(0, ({_h("'st' || c.n || '-' || s.position")} % 3)::int) AS j
JOIN bench_actors a ON a.n = (c.n * 37 + s.position * 3 + j) % $2::int
"""  # noqa: E501

# 5..50 mentions per story; the first one is the story's last activity, the others before it.
MENTIONS_SQL = f"""
INSERT INTO mentions (id, controversy_id, platform, external_id, url, author, title, excerpt,
                      published_at, audience, score, comments, shares)
SELECT gen_random_uuid(), id, platform, external_id,
       'https://example.com/' || platform || '/' || external_id,
       {_pick("$2", "'au' || external_id")}, title, {_pick("$3", "'ex' || external_id")},
       published_at, audience, audience / (10 + {_h("'sc' || external_id")} % 90),
       audience / (50 + {_h("'co' || external_id")} % 500),
       audience / (100 + {_h("'sh' || external_id")} % 1000)
FROM (
  SELECT c.id, c.title,
         {_pick("$1", "'pl' || c.n || '-' || j")} AS platform,
         'syn-' || c.n || '-' || j AS external_id,
         CASE WHEN j = 1 THEN c.last_activity_at
              ELSE c.last_activity_at - make_interval(secs => (
                {_h("'pub' || c.n || '-' || j")}
                % greatest(1, extract(epoch FROM c.last_activity_at - c.started_at)::bigint)
              )::float8) END AS published_at,
         power(10.0::float8, ({_h("'aud' || c.n || '-' || j")} % 700) / 100.0::float8)::bigint
           AS audience
  FROM bench_subset c
  CROSS JOIN LATERAL generate_series(1, 5 + ({_h("'m' || c.n")} % 46)::int) AS j
) m
"""

EVENTS_SQL = f"""
INSERT INTO timeline_events (id, controversy_id, occurred_at, title, description, kind,
                             source_url)
SELECT gen_random_uuid(), c.id,
       c.started_at + (c.last_activity_at - c.started_at) * (j / 4.0),
       {_pick("$1", "'et' || c.n || '-' || j")}, '',
       {_pick("$2", "'ek' || c.n || '-' || j")},
       'https://example.com/events/' || c.n || '-' || j
FROM bench_subset c
CROSS JOIN LATERAL generate_series(1, 1 + ({_h("'ev' || c.n")} % 3)::int) AS j
"""

# One forecast on every FORECAST_EVERY-th synthetic story, by one of GENERATORS, made 2 to 60
# days before the story's last activity (not before it started, when it can), so always at
# least 2 days ago. No parameters: a utility statement (CREATE TABLE AS) takes none.
FORECAST_TARGETS_SQL = f"""
CREATE TEMP TABLE bench_forecasts AS
SELECT gen_random_uuid() AS id, c.id AS controversy_id, c.n,
       ({_h("'fg' || c.n")} % {len(GENERATORS)})::int AS g,
       least(c.last_activity_at - interval '2 days',
             greatest(c.started_at, c.last_activity_at - make_interval(
               secs => (2 * 86400 + {_h("'fa' || c.n")} % (58 * 86400))::float8))) AS generated_at
FROM (
  SELECT id, substr(slug, {len(SLUG_PREFIX) + 1})::int AS n, started_at, last_activity_at
  FROM controversies WHERE slug LIKE '{SLUG_PREFIX}%'
) c
WHERE c.n % {FORECAST_EVERY} = 0
"""

FORECASTS_SQL = f"""
INSERT INTO forecasts (id, controversy_id, generated_by, generated_at, review_status, summary,
                       signals_as_of, created_at)
SELECT id, controversy_id, ($1::text[])[1 + g], generated_at,
       CASE WHEN {_h("'fr' || n")} % 3 = 0 THEN 'reviewed' ELSE 'unreviewed' END,
       {_pick("$2", "'fs' || n")}, generated_at, generated_at
FROM bench_forecasts
"""

# SCENARIOS scenarios per forecast, each with a probability (0.00..1.00) and a horizon between
# the day after the forecast and yesterday (UTC). 80% are resolved after their horizon (and
# before now): 2% annulled, the rest happened with probability 0.5 + slope * (p - 0.5), the
# slope 1 for generator a (calibrated) down to 0.2 for e (close to a coin). The other 20% are
# unresolved with a past horizon: the editors' due queue.
SCENARIOS_SQL = f"""
INSERT INTO forecast_scenarios (id, forecast_id, position, title, description, probability,
                                horizon, outcome, resolved_at, resolution_source_url,
                                resolution_note, resolved_by)
SELECT gen_random_uuid(), id, p, title, '', probability, horizon, outcome,
       CASE WHEN outcome IS NOT NULL THEN
         (horizon + 1)::timestamp AT TIME ZONE 'UTC' + make_interval(secs => (
           {_h("'rt' || k")} % greatest(1, extract(epoch FROM
             $2::timestamptz - ((horizon + 1)::timestamp AT TIME ZONE 'UTC'))::bigint)
         )::float8) END,
       CASE WHEN outcome IS NOT NULL THEN 'https://example.com/resolutions/' || k END,
       CASE WHEN outcome = 'annulled' THEN 'The question no longer applies.'
            WHEN outcome IS NOT NULL THEN {_pick("$3", "'rn' || k")} END,
       CASE WHEN outcome IS NOT NULL THEN 'bench-editor' END
FROM (
  SELECT *,
         CASE WHEN r < 20 THEN NULL
              WHEN r < 22 THEN 'annulled'
              WHEN u < 0.5 + (1 - g / 5.0::float8) * (probability - 0.5) THEN 'happened'
              ELSE 'did_not_happen' END AS outcome
  FROM (
    SELECT f.id, f.g, p, f.n || '-' || p AS k,
           {_pick("$1", "'ft' || f.n || '-' || p")} AS title,
           ({_h("'fp' || f.n || '-' || p")} % 101)::float8 / 100 AS probability,
           d.made + 1 + ({_h("'fh' || f.n || '-' || p")} % (d.today - d.made - 1))::int
             AS horizon,
           {_h("'fo' || f.n || '-' || p")} % 100 AS r,
           ({_h("'fu' || f.n || '-' || p")} % 1000)::float8 / 1000 AS u
    FROM bench_forecasts f
    CROSS JOIN LATERAL (
      SELECT (f.generated_at AT TIME ZONE 'UTC')::date AS made,
             ($2::timestamptz AT TIME ZONE 'UTC')::date AS today
    ) d
    CROSS JOIN generate_series(0, {SCENARIOS - 1}) AS p
  ) s
) o
"""

# The maintained cells of the bench generators (no other: the demo's stay as seeded), with
# the repository's formulas (app/forecasts/repository.py _BRIER, _LOG_LOSS, _BIN), as
# aggregate_cells computes them: resolved, not annulled, live forecasts, per generator and bin.
TRACK_RECORDS_SQL = """
INSERT INTO forecast_track_records (generated_by, bin, n, brier_sum, log_loss_sum,
                                    probability_sum, happened)
SELECT f.generated_by, width_bucket(s.probability, $4::float8[]), count(*),
       sum((s.probability - x.o) * (s.probability - x.o)),
       sum(-ln(CASE WHEN s.outcome = 'happened' THEN x.clipped ELSE 1 - x.clipped END)),
       sum(s.probability), sum(x.o)::int
FROM forecast_scenarios s
JOIN forecasts f ON f.id = s.forecast_id
CROSS JOIN LATERAL (
  SELECT CASE WHEN s.outcome = 'happened' THEN 1.0::float8 ELSE 0.0::float8 END AS o,
         least(greatest(s.probability, $2::float8), $3::float8) AS clipped
) x
WHERE s.outcome IN ('happened', 'did_not_happen') AND f.archived_at IS NULL
  AND f.generated_by = ANY($1::text[])
GROUP BY f.generated_by, width_bucket(s.probability, $4::float8[])
ON CONFLICT (generated_by, bin) DO UPDATE
  SET n = EXCLUDED.n, brier_sum = EXCLUDED.brier_sum, log_loss_sum = EXCLUDED.log_loss_sum,
      probability_sum = EXCLUDED.probability_sum, happened = EXCLUDED.happened
"""

SNAPSHOTS_SQL = f"""
INSERT INTO noise_snapshots (controversy_id, computed_at, composite, components, last_activity_at)
SELECT id, noise_computed_at, noise_composite, noise_components, last_activity_at
FROM controversies WHERE slug LIKE '{SLUG_PREFIX}%'
"""


async def create(
    connection: Any, *, total: int, now: datetime, say: Callable[[str], None]
) -> dict[str, int]:
    """Add synthetic controversies until there are `total`; returns the row counts added."""
    existing: int = await connection.fetchval("SELECT count(*) FROM controversies")
    synthetic = max(0, total - existing)
    counts: dict[str, int] = {}
    # Row estimates of generate_series are far off; JIT compiling would cost more than it saves.
    await connection.execute("SET jit = off")

    async def step(name: str, sql: str, *args: Any) -> None:
        started = time.perf_counter()
        status: str = await connection.execute(sql, *args)
        rows = int(status.rsplit(" ", 1)[-1]) if status.split(" ", 1)[0] == "INSERT" else 0
        counts[name] = rows
        say(f"  {name:<14} {rows:>8,} rows  {time.perf_counter() - started:6.1f} s")

    async with connection.transaction():
        await step(
            "controversies",
            CONTROVERSIES_SQL,
            synthetic,
            now,
            [name for name, _ in ORGS],
            [tag for _, tag in ORGS],
            [t[0] for t in TOPICS],
            [t[1] for t in TOPICS],
            [t[2] for t in TOPICS],
            [t[3] for t in TOPICS],
            STAGES,
            REGIONS,
            FILLERS,
            WHY,
            POINTS,
            ELI5,
        )
        await connection.execute(SUBSET_SQL)
        await connection.execute("ANALYZE bench_subset")
        await step(
            "actors",
            ACTORS_SQL,
            FIRST_NAMES,
            LAST_NAMES,
            [s for s, _ in SUFFIXES],
            [k for _, k in SUFFIXES],
            ACTORS,
        )
        await connection.execute(ACTOR_NUMBERS_SQL)
        await connection.execute("ALTER TABLE bench_actors ADD PRIMARY KEY (n)")
        await connection.execute("ANALYZE bench_actors")
        actor_count: int = await connection.fetchval("SELECT count(*) FROM bench_actors")
        await step("sides", SIDES_SQL, *SIDE_LABELS, SIDE_SUMMARIES)
        await step("stances", STANCES_SQL, CLAIMS, actor_count)
        await step("mentions", MENTIONS_SQL, PLATFORMS, AUTHORS, EXCERPTS)
        await step("events", EVENTS_SQL, EVENT_TITLES, EVENT_KINDS)
        await step("snapshots", SNAPSHOTS_SQL)
        await connection.execute(FORECAST_TARGETS_SQL)
        await connection.execute("ANALYZE bench_forecasts")
        await step("forecasts", FORECASTS_SQL, GENERATORS, FORECAST_SUMMARIES)
        await step("scenarios", SCENARIOS_SQL, SCENARIO_TITLES, now, RESOLUTION_NOTES)
        await step(
            "track records",
            TRACK_RECORDS_SQL,
            GENERATORS,
            LOG_LOSS_CLIP,
            1 - LOG_LOSS_CLIP,
            list(CALIBRATION_BOUNDS),
        )
    started = time.perf_counter()
    await connection.execute("VACUUM (ANALYZE)")
    say(f"  {'vacuum+analyze':<14} {'':>8}       {time.perf_counter() - started:6.1f} s")
    return counts
