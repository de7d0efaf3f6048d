"""The methodology page for people: /v1/methodology's data as plain HTML (pure: no I/O).

Every piece of text that comes from data goes through `html.escape`; the markup around it is
fixed. No script, no external asset: the page works offline and under a strict CSP.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape

from app.noise.schemas import Methodology

Words = Mapping[str, tuple[str, str]]
"""A label and a one-line meaning, by enum value."""

_STYLE = """
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d1d1f;
background:#fff;max-width:46rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.7rem;margin-bottom:.3rem}h2{font-size:1.2rem;margin-top:2rem}
.lead{font-size:1.1rem}.muted{color:#5f6368;font-size:.9rem}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:.45rem .5rem;
border-bottom:1px solid #e3e3e6;vertical-align:top}td.num,th.num{text-align:right;
white-space:nowrap}code{font-size:.85rem;background:#f4f4f6;padding:.1rem .25rem;
border-radius:3px}
@media (prefers-color-scheme:dark){body{background:#151517;color:#ececef}
th,td{border-color:#333}code{background:#26262a}.muted{color:#a0a0a8}}
"""


def percent(weight: float) -> str:
    """A weight as a percentage for people: 0.25 → "25%", 1/7 → "14.3%"."""
    return f"{weight * 100:.1f}".removesuffix(".0") + "%"


def days(value: float) -> str:
    """A number of days without a needless ".0" (7.0 → "7", 3.5 → "3.5")."""
    return f"{value:g}"


def render(
    method: Methodology,
    *,
    components: Words,
    levels: Words,
) -> str:
    """The page, from the method (weights, half-life, bands) and the labels of its parts."""
    half = days(method.half_life_days)
    rows = []
    for component in method.components:
        label, meaning = components.get(component.name, (component.name, ""))
        rows.append(
            "<tr>"
            f"<td><strong>{escape(label)}</strong><br><code>{escape(component.name)}</code></td>"
            f"<td>{escape(meaning)}"
            f'<br><span class="muted">{escape(component.formula)}</span></td>'
            f'<td class="num">{escape(percent(component.weight))}</td>'
            "</tr>"
        )
    bands = []
    for band in method.level_bands:
        label, meaning = levels.get(band.level.value, (band.level.value, ""))
        bands.append(
            "<tr>"
            f"<td><strong>{escape(label)}</strong></td>"
            f'<td class="num">{band.min_score}–{band.max_score}</td>'
            f"<td>{escape(meaning[:1].upper() + meaning[1:])}</td>"
            "</tr>"
        )
    component_rows, band_rows = "\n".join(rows), "\n".join(bands)
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>The Noise Score: how it is computed</title>
<style>{_STYLE}</style>
</head>
<body>
<main>
<h1>The Noise Score</h1>
<p class="lead">How loud a controversy is right now, from 0 to 100: it rises when many
people, in many places, argue about a story, and it fades by half every {escape(half)}
days once nothing new happens.</p>
<p class="muted">{escape(method.summary)} Method {escape(method.method_version)}.</p>

<h2>Seven components</h2>
<p>Each component rates one aspect of the story from 0 to 100, mostly from the posts of
its current wave (the {method.wave_days} days up to its latest activity). The score before
any fading is their weighted sum, worked out again whenever something about the story
changes.</p>
<table>
<thead><tr><th>Component</th><th>What it measures</th><th class="num">Weight</th></tr></thead>
<tbody>
{component_rows}
</tbody>
</table>
<p class="muted">Weights are rounded for display; they add up to 100%.<br>
<code>{escape(method.composite)}</code></p>

<h2>Fading with time: a {escape(half)}-day half-life</h2>
<p>Attention moves on. Once a story has no new post or milestone, its score halves every
{escape(half)} days: a story at 80 drops to 40 after {escape(half)} quiet days and to 20
after {escape(days(2 * method.half_life_days))} days. Any new activity restarts the clock. The
fading is worked out at the moment you ask, so the score you see is always current.</p>
<p class="muted"><code>{escape(method.decay)}</code><br><code>{escape(method.score)}</code></p>

<h2>Levels</h2>
<table>
<thead><tr><th>Level</th><th class="num">Score</th><th>What it means</th></tr></thead>
<tbody>
{band_rows}
</tbody>
</table>

<p class="muted">The same method as data, for programs:
<a href="/v1/methodology"><code>GET /v1/methodology</code></a> (with an API key).</p>
</main>
</body>
</html>
"""
