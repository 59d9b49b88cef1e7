"""The hedge report: charts, a generated headline and one self-contained HTML page.

Plain Python (no Dagster): :func:`build_report` opens the PUBLISHED analytics file read-only
(never the working warehouse), draws the PNG charts with matplotlib's Agg renderer (no display,
no browser) and writes ``report.html`` with every chart embedded as base64, so the page is one
file that can be mailed or attached. Every number is read from the marts when the report is
built; nothing is hard-coded. When the publication is the synthetic sample, the HTML and every
PNG carry a red banner saying so.

The answer itself (hit rates, means and correlations per era with block-bootstrap intervals,
era tests and a verdict) is computed once, in dbt (``marts.hedge_answer``); this package and
``bondhedge answer`` only read and word it. Modules: ``queries`` (SQL), ``text`` (words and
tables), ``figure`` (the shared chart frame), ``charts`` and ``scorecard_charts`` (PNGs),
``html`` (the page).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.report.answer import EraAnswer, read_answer
from orchestration.lib.report.charts import (
    chart_breakevens,
    chart_drawdowns,
    chart_markov_regimes,
    chart_portfolio,
    chart_rolling_correlation,
)
from orchestration.lib.report.figure import SYNTHETIC_BANNER, Chart
from orchestration.lib.report.html import render_html
from orchestration.lib.report.queries import Provenance, connect, read_provenance
from orchestration.lib.report.scorecard_charts import chart_answer_intervals, chart_hit_rates
from orchestration.lib.report.text import (
    REGIME_TABLES,
    ci_text,
    format_answer_text,
    format_table_text,
    headline,
    pct,
    regime_table,
    wrap,
)

__all__ = [
    "CHARTS",
    "REGIME_TABLES",
    "SYNTHETIC_BANNER",
    "Chart",
    "EraAnswer",
    "Provenance",
    "ReportResult",
    "build_report",
    "ci_text",
    "connect",
    "default_report_dir",
    "format_answer_text",
    "format_table_text",
    "headline",
    "pct",
    "read_answer",
    "read_provenance",
    "regime_table",
    "wrap",
]


@dataclass(frozen=True)
class ReportResult:
    html: Path
    charts: list[Chart]
    headline: list[str]  # paragraphs (plain text, valid markdown)
    provenance: Provenance
    answer: list[EraAnswer]

    @property
    def headline_markdown(self) -> str:
        banner = f"**{SYNTHETIC_BANNER}**\n\n" if self.provenance.is_synthetic else ""
        return banner + "\n\n".join(self.headline)


CHARTS = (
    ("rolling_correlation", chart_rolling_correlation),
    ("markov_regimes", chart_markov_regimes),
    ("hit_rates", chart_hit_rates),
    ("answer_intervals", chart_answer_intervals),
    ("drawdowns", chart_drawdowns),
    ("breakevens", chart_breakevens),
    ("portfolio_60_40", chart_portfolio),
)


def default_report_dir(published: Path) -> Path:
    """``data/published/bondhedge.duckdb`` -> ``data/reports/bondhedge``."""
    published = Path(published)
    return published.parent.parent / "reports" / published.stem


def build_report(published: Path, out_dir: Path) -> ReportResult:
    """Build every chart and ``report.html`` in ``out_dir`` from the published file."""
    published = Path(published)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    con = connect(published)
    try:
        prov = read_provenance(con, published)
        answer = read_answer(con)
        paragraphs = headline(con, answer)
        regimes = [
            (title, *regime_table(con, dimension, values))
            for dimension, values, title in REGIME_TABLES
        ]
        charts = []
        for name, draw in CHARTS:
            path = out_dir / f"{name}.png"
            title, caption, thumb = draw(con, prov, path)
            charts.append(Chart(name, title, caption, path, thumb))
    finally:
        con.close()
    page = out_dir / "report.html"
    tmp = page.with_name(f".{page.name}.tmp")
    tmp.write_text(render_html(prov, paragraphs, answer, charts, regimes), encoding="utf-8")
    os.replace(tmp, page)
    return ReportResult(page, charts, paragraphs, prov, answer)
