// A controversy card and the loudest-first list, read with a publishable key.
// Config from the address: ?api=http://127.0.0.1:8000&key=ck_pub_…&slug=gpt-2-staged-release
// Every piece of data goes into the page as text (textContent / text nodes), never as HTML.

const params = new URLSearchParams(location.search);
const API_HREF = safeUrl(params.get("api") || "http://127.0.0.1:8000"); // null unless http(s)
const API = API_HREF && new URL(API_HREF);
const KEY = params.get("key") || "";
const USAGE = "?api=http://127.0.0.1:8000&key=ck_pub_…&slug=gpt-2-staged-release";
let meta = {}; // GET /v1/meta: { categories: [{value, label, description}], … }

// ---- the API ------------------------------------------------------------------------------

// An API URL on the configured server: list_url and friends are absolute URLs built from the
// server's PUBLIC_BASE_URL, which may not be the address this page was told to use.
function apiUrl(pathOrUrl) {
  const given = new URL(pathOrUrl, API);
  const base = API.pathname.replace(/\/+$/, "");
  const path = given.pathname.startsWith(base + "/") ? given.pathname : base + given.pathname;
  return new URL(path + given.search, API.origin);
}

async function get(pathOrUrl) {
  const url = apiUrl(pathOrUrl);
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${KEY}` } });
  } catch {
    throw new Error(
      `Could not reach ${url.origin}: the server is down, or it does not allow this page's ` +
        `origin (${location.origin}) for this key (CORS).`,
    );
  }
  if (!response.ok) {
    const problem = await response.json().catch(() => ({}));
    const detail = problem.detail || url;
    throw new Error(`${response.status} ${problem.title || response.statusText}: ${detail}`);
  }
  return response.json();
}

// ---- building the page --------------------------------------------------------------------

// h("a", {href, class}, "text", child…): an element; strings become text nodes.
function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "href") element.href = safeUrl(value) ?? "#";
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

// Only http(s) links: a javascript: URL in the data must never become a link.
function safeUrl(value) {
  let url;
  try {
    url = new URL(value, location.href);
  } catch {
    return null;
  }
  return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
}

// A human label from /v1/meta, or the raw value while meta lacks it.
function label(group, value) {
  const found = (meta[group] || []).find((item) => item.value === value);
  return found ? found.label : String(value);
}

function describe(group, value) {
  const found = (meta[group] || []).find((item) => item.value === value);
  return found ? found.description : null;
}

const dateTime = new Intl.DateTimeFormat("en-GB", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "UTC",
});
const dateOnly = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeZone: "UTC" });

function time(iso, format = dateTime) {
  const text = format.format(new Date(iso)) + (format === dateTime ? " UTC" : "");
  return h("time", { datetime: iso }, text);
}

const percent = (fraction) => `${Math.round(fraction * 100)}%`;

// This page's address for another card (or, without a slug, for the loudest one).
function cardLink(slug) {
  const next = new URLSearchParams(params);
  if (slug) next.set("slug", slug);
  else next.delete("slug");
  return `?${next}`;
}

// ---- the card -----------------------------------------------------------------------------

function renderCard(card) {
  const { analysis, noise, forecast } = card;
  document.title = `${card.title} · AI controversies`;
  return [
    h("p", { class: "kicker" },
      h("span", { title: describe("categories", card.category) }, label("categories", card.category)),
      " · ",
      h("span", { title: describe("stages", card.stage) }, label("stages", card.stage))),
    h("h1", {}, card.title),
    h("ul", { class: "tags" }, card.tags.map((tag) => h("li", {}, `#${tag}`))),
    h("p", { class: "analysis" },
      analysis.generated_by ? `AI-analysed by ${analysis.generated_by}` : "Analysis",
      " · ",
      h("span", { title: describe("review_statuses", analysis.review_status) },
        label("review_statuses", analysis.review_status)),
      analysis.methodology_url &&
        [" · ", h("a", { href: analysis.methodology_url }, "How we measure noise")]),
    renderNoise(noise),
    part("Why it matters", "why", card.why_it_matters && h("p", {}, card.why_it_matters)),
    part("Key points", "key-points",
      card.key_points.length > 0 && h("ul", {}, card.key_points.map((point) => h("li", {}, point)))),
    part("Summary", "summary", card.summary && h("p", {}, card.summary)),
    part("Explain it like I'm five", "eli5", card.eli5 && h("p", {}, card.eli5)),
    part("The sides", "sides", card.sides.length > 0 && h("div", {}, card.sides.map(renderSide))),
    forecast && renderForecast(forecast),
    h("section", { class: "timeline" }, h("h2", {}, "Timeline"),
      renderSection("Today", "posts", card.posts, renderPost),
      renderSection("Milestones", "milestones", card.milestones, renderMilestone)),
  ];
}

// A titled section of the card, left out when the story has nothing for it yet.
function part(title, className, content) {
  return content ? h("section", { class: className }, h("h2", {}, title), content) : null;
}

function renderNoise(noise) {
  const components = meta.noise_components?.length
    ? meta.noise_components.map((item) => item.value).filter((name) => name in noise.components)
    : Object.keys(noise.components);
  return h("section", { class: "noise", "data-level": noise.level },
    h("h2", {}, "Noise Level"),
    h("p", { class: "score" },
      h("strong", { class: "noise-score" }, String(noise.score)), " / 100 ",
      h("span", { class: "level", title: describe("noise_levels", noise.level) },
        label("noise_levels", noise.level))),
    h("p", { class: "decay" },
      `Decay ${percent(noise.decay)}: the share of its loudness left since the last activity, `,
      time(noise.last_activity_at)),
    h("table", { class: "components" },
      h("thead", {}, h("tr", {},
        ["Component", "Value", "Source", "Weight", "Adds"].map((name) => h("th", {}, name)))),
      h("tbody", {}, components.map((name) => {
        const component = noise.components[name]; // {value, source, weight, contribution}
        return h("tr", {},
          h("th", { scope: "row", title: describe("noise_components", name) },
            label("noise_components", name)),
          h("td", {}, h("meter", { min: 0, max: 100, value: component.value }), ` ${component.value}`),
          h("td", {}, label("component_sources", component.source)),
          h("td", {}, percent(component.weight)),
          h("td", {}, component.contribution.toFixed(1)));
      }))));
}

function renderSide(side) {
  return h("article", { class: "side" },
    h("h3", {}, side.label),
    h("p", {}, side.summary),
    h("ul", { class: "stances" }, side.stances.map(({ claim, actor }) =>
      h("li", {},
        h("p", { class: "actor" },
          h("span", { class: "grade", "data-grade": actor.grade, title: describe("grades", actor.grade) },
            actor.grade),
          " ", h("strong", {}, actor.name),
          h("span", { class: "muted" },
            ` · ${label("actor_kinds", actor.kind)} · ${label("grades", actor.grade)}`,
            ` · influence ${actor.influence}`)),
        h("blockquote", {}, claim)))));
}

function renderForecast(forecast) {
  const record = forecast.generator_track_record;
  return h("section", { class: "forecast" },
    h("h2", {}, "What may happen next"),
    h("p", { class: "muted" }, `Forecast by ${forecast.generated_by} · `,
      label("review_statuses", forecast.review_status), " · ", time(forecast.generated_at, dateOnly)),
    h("p", {}, forecast.summary),
    h("ol", { class: "scenarios" }, forecast.scenarios.map((scenario) =>
      h("li", {},
        h("h3", {}, scenario.title),
        h("p", {}, scenario.description),
        scenario.probability != null &&
          h("p", { class: "odds" }, `${percent(scenario.probability)} likely`,
            scenario.horizon ? [" by ", time(scenario.horizon, dateOnly)] : ""),
        scenario.resolution &&
          h("p", { class: "resolution" }, "Resolved: ",
            h("strong", {}, label("outcomes", scenario.resolution.outcome)), " on ",
            time(scenario.resolution.resolved_at, dateOnly),
            scenario.resolution.note ? ` — ${scenario.resolution.note}` : "")))),
    record && record.n > 0 &&
      h("p", { class: "track-record" },
        `${forecast.generated_by}'s track record: ${record.n} resolved scenarios, `,
        `Brier ${record.brier}`,
        record.brier_skill != null ? `, skill ${record.brier_skill} (above 0 beats a coin flip)` : ""));
}

function renderPost(post) {
  return h("li", { "data-id": post.id },
    h("span", { class: "platform" }, label("platforms", post.platform)), " ",
    h("strong", { class: "author" }, post.author ?? "unknown author"), " ",
    post.url && safeUrl(post.url)
      ? h("a", { href: post.url, rel: "noopener noreferrer" }, post.title ?? post.url)
      : h("span", {}, post.title ?? ""),
    " ", h("span", { class: "muted" }, time(post.published_at)));
}

function renderMilestone(event) {
  return h("li", { "data-id": event.id },
    h("span", { class: "muted" },
      time(event.occurred_at, dateOnly), ` · ${label("event_kinds", event.kind)}`),
    h("h4", {}, event.title),
    h("p", {}, event.description));
}

// One part of the timeline: the card's latest items, and a "more" link to the full list.
function renderSection(title, name, section, renderItem) {
  const list = h("ul", { class: `items ${name}` }, section.data.map(renderItem));
  const more = h("a", { class: "more", href: apiUrl(section.list_url).href }, `More ${name}`);
  more.addEventListener("click", async (event) => {
    event.preventDefault(); // the list needs the key: fetch it, then add what is not shown yet
    try {
      const page = await get(more.href);
      for (const row of page.data) { // both lists hold the items as the card shows them
        if (!list.querySelector(`[data-id="${CSS.escape(row.id)}"]`)) list.append(renderItem(row));
      }
      if (page.next_cursor) {
        const next = new URL(more.href);
        next.searchParams.set("cursor", page.next_cursor);
        more.href = next.href;
      } else {
        more.remove();
      }
    } catch (error) {
      showError(error);
    }
  });
  return h("div", { class: "part" }, h("h3", {}, title), list,
    section.data.length === 0 && h("p", { class: "muted" }, "Nothing yet."),
    section.has_more && more);
}

// ---- the loudest-first list ---------------------------------------------------------------

function renderList(page) {
  return page.data.map((item) =>
    h("li", { "data-slug": item.slug, "data-level": item.noise.level },
      h("a", { href: cardLink(item.slug), "data-slug": item.slug },
        h("span", { class: "badge" }, String(item.noise.score)),
        h("span", { class: "title" }, item.title),
        h("span", { class: "level" }, label("noise_levels", item.noise.level)))));
}

function markCurrent(slug) {
  for (const item of document.querySelectorAll("#loudest li")) {
    if (item.dataset.slug === slug) item.setAttribute("aria-current", "true");
    else item.removeAttribute("aria-current");
  }
}

// ---- wiring -------------------------------------------------------------------------------

function showError(error) {
  const status = document.getElementById("status");
  status.textContent = error.message;
  status.setAttribute("role", "alert");
  document.body.dataset.state = "error";
}

async function loadCard(slug) {
  document.body.dataset.state = "loading";
  const card = await get(`/v1/controversies/${encodeURIComponent(slug)}`);
  document.getElementById("status").textContent = "";
  document.getElementById("card").replaceChildren(...renderCard(card).filter(Boolean));
  markCurrent(card.slug);
  document.body.dataset.state = "ready";
}

async function main() {
  document.getElementById("home").href = cardLink(null);
  if (!API || !KEY) {
    showError(new Error(`Give the API's address and a publishable key in this page's address: ${USAGE}`));
    return;
  }
  const [metaResult, list] = await Promise.all([
    get("/v1/meta").catch(() => ({})), // labels are a nicety: raw values until it answers
    get("/v1/controversies?sort=noise&limit=20"),
  ]);
  meta = metaResult;
  const loudest = document.getElementById("loudest");
  loudest.replaceChildren(...renderList(list));
  loudest.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-slug]");
    if (!link || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    history.pushState(null, "", link.href);
    loadCard(link.dataset.slug).catch(showError);
  });
  window.addEventListener("popstate", () => {
    const slug = new URLSearchParams(location.search).get("slug") || list.data[0]?.slug;
    if (slug) loadCard(slug).catch(showError);
  });
  const slug = params.get("slug") || list.data[0]?.slug;
  if (slug) await loadCard(slug);
  else document.body.dataset.state = "ready";
}

main().catch(showError);
