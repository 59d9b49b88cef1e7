"""The report page: one self-contained HTML file with every chart embedded as base64."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from datetime import datetime

from orchestration.lib.report.answer import EraAnswer
from orchestration.lib.report.figure import SYNTHETIC_BANNER, Chart
from orchestration.lib.report.queries import Provenance
from orchestration.lib.report.text import answer_table

CSS = """
body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 0;
       color: #1a1a1a; background: #fafafa; }
main { max-width: 1180px; margin: 0 auto; padding: 16px 28px 40px; }
.banner { background: #c62828; color: #fff; font-weight: 700; text-align: center;
          padding: 10px; font-size: 18px; letter-spacing: 0.04em; position: sticky; top: 0; }
.provenance { color: #555; font-size: 13px; }
.headline p { font-size: 16px; line-height: 1.5; }
.headline p:first-child { font-size: 18px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 20px; }
th, td { padding: 3px 8px; text-align: right; border-bottom: 1px solid #ddd; }
th:first-child, td:first-child { text-align: left; }
thead th { background: #eee; }
figure { margin: 26px 0; background: #fff; padding: 10px; border: 1px solid #e0e0e0; }
figure img { max-width: 100%; }
figcaption { color: #444; font-size: 13px; margin-top: 6px; }
footer { color: #777; font-size: 12px; margin-top: 30px; }
"""


def _html_table(header: list[str], rows: list[list[str]]) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(
    prov: Provenance,
    paragraphs: list[str],
    answer: list[EraAnswer],
    charts: list[Chart],
    regimes: Sequence[tuple[str, list[str], list[list[str]]]] = (),
) -> str:
    banner = (
        f'<div class="banner" role="alert">{html.escape(SYNTHETIC_BANNER)} &middot; every '
        "number below comes from simulated series; publish with SOURCE=fred or csv for "
        "market data</div>"
        if prov.is_synthetic
        else ""
    )
    header, rows = answer_table(answer)
    regime_html = "".join(
        f"<h2>Hit rate by {html.escape(title)}</h2>{_html_table(h, r)}" for title, h, r in regimes
    )
    figures = "".join(
        f'<figure id="{c.name}"><h2>{html.escape(c.title)}</h2>'
        f'<img alt="{html.escape(c.title)}" src="data:image/png;base64,'
        f'{base64.b64encode(c.path.read_bytes()).decode("ascii")}">'
        f"<figcaption>{html.escape(c.caption)}</figcaption></figure>"
        for c in charts
    )
    title_suffix = " (SYNTHETIC SAMPLE)" if prov.is_synthetic else ""
    generated = datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bondhedge: do bonds go up when stocks fall?{title_suffix}</title>
<style>{CSS}</style></head>
<body>{banner}<main>
<h1>Do bonds go up when stocks fall &mdash; and when don&rsquo;t they?</h1>
<p class="provenance">{html.escape(prov.footer())}. File: {html.escape(str(prov.published_file))}.
Generated {html.escape(generated)}.</p>
<section class="headline">{"".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)}</section>
<h2>Hit rate in months the S&amp;P 500 fell, by bond and era</h2>
<p class="provenance">From marts.hedge_answer. hit = share of down months with a positive bond
total return, with its 95% stationary block bootstrap interval and the i.i.d. Wilson interval;
excess = share beating the 3-month bill; n = down months; mean = average bond return in those
months; p vs prev = bootstrap p-value of the hit-rate difference from the previous era.</p>
{_html_table(header, rows)}
{regime_html}
{figures}
<footer>Built by bondhedge from the published file (read-only). Every number above is
recomputed from the marts at build time; the SQL behind them is in docs/cookbook.</footer>
</main></body></html>
"""
