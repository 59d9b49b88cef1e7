"""The hedge report: charts, a generated headline and one self-contained HTML page.

Plain Python (no Dagster): :func:`build_report` opens the PUBLISHED analytics file read-only
(never the working warehouse), draws five PNG charts with matplotlib's Agg renderer (no display,
no browser) and writes ``report.html`` with every chart embedded as base64, so the page is one
file that can be mailed or attached. Every number in the headline is computed from the marts
when the report is built; nothing is hard-coded. When the publication is the synthetic sample,
the HTML and every PNG carry a red banner saying so.

The answer itself (hit rates, means and correlations per era with block-bootstrap intervals,
era tests and a verdict) is computed once, in dbt (``marts.hedge_answer``); this module and
``bondhedge answer`` only read and word it.
"""

from __future__ import annotations

import base64
import html
import io
import math
import os
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import duckdb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

EQUITY = "sp500"
#: the bond the headline is about (the question's "bonds"); others are in the table
HEADLINE_BOND = "ust_10y"
#: tenors in the hit-rate chart, shortest first (only those present are drawn)
TENOR_ASSETS = ("ust_2y", "ust_5y", "ust_10y", "ust_30y", "tips_10y")
#: bonds whose peak-to-trough return is drawn next to each S&P 500 drawdown
DRAWDOWN_BONDS = ("ust_2y", "ust_10y")
#: the frequency the headline and the answer table are given at
ANSWER_FREQUENCY = "monthly"
REGIME_LABELS = {
    "all": "all months",
    "negative": "negative (< \u22120.2)",
    "neutral": "neutral",
    "positive": "positive (> 0.2)",
}
SYNTHETIC_BANNER = "SYNTHETIC SAMPLE — NOT MARKET DATA"
DPI = 110
THUMBNAIL_DPI = 60

INFLATION_COLOURS = {"low": "#c8e6c9", "moderate": "#fff3c4", "high": "#ffcdd2"}
TENOR_COLOURS = {
    "ust_2y": "#9ecae1",
    "ust_5y": "#4292c6",
    "ust_10y": "#08519c",
    "ust_30y": "#08306b",
    "tips_10y": "#f16913",
}


# --------------------------------------------------------------------------------------------
# data


@dataclass(frozen=True)
class Provenance:
    """Where the numbers come from: the latest row of ``meta.publications``."""

    published_file: Path
    data_source: str
    label: str
    is_synthetic: bool
    published_at: datetime | None
    run_id: str | None
    publications: int

    def footer(self) -> str:
        when = self.published_at.strftime("%Y-%m-%d %H:%M UTC") if self.published_at else "?"
        return f"Source: {self.label} ({self.data_source}); published {when}, run {self.run_id}"


@dataclass(frozen=True)
class EraAnswer:
    """One era of ``marts.hedge_answer`` for a bond (monthly, S&P 500 down months)."""

    bond_asset_id: str
    bond_name: str
    era: str
    era_order: int
    months: int  # months with both returns
    down_months: int  # of which the equity fell
    bond_up: int  # of which the bond rose
    hit_rate: float | None
    ci: tuple[float | None, float | None]  # 95 % stationary block bootstrap
    wilson: tuple[float | None, float | None]  # 95 % Wilson (i.i.d.)
    mean_bond_return: float | None  # mean bond return in down months
    mean_stock_return: float | None  # mean equity return in down months
    correlation: float | None
    correlation_ci: tuple[float | None, float | None]  # block bootstrap
    excess_hit_rate: float | None  # hit rate on the bond's return over the 3-month bill
    excess_ci: tuple[float | None, float | None]
    previous_era: str | None
    p_value: float | None  # bootstrap p of the hit-rate difference from the previous era
    verdict: str
    first_period_end: date | None
    last_period_end: date | None


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    caption: str
    path: Path
    thumbnail_png: bytes = field(repr=False)


@dataclass(frozen=True)
class ReportResult:
    html: Path
    charts: list[Chart]
    headline: list[str]  # paragraphs (plain text, valid markdown)
    provenance: Provenance
    answer: list[EraAnswer]

    @property
    def images(self) -> dict[str, Path]:
        return {c.name: c.path for c in self.charts}

    @property
    def headline_markdown(self) -> str:
        banner = f"**{SYNTHETIC_BANNER}**\n\n" if self.provenance.is_synthetic else ""
        return banner + "\n\n".join(self.headline)


def connect(published: Path) -> duckdb.DuckDBPyConnection:
    """A read-only connection to the published file (raises if it does not exist)."""
    published = Path(published)
    if not published.is_file():
        raise FileNotFoundError(
            f"no published analytics file at {published}: run the pipeline (`make run`) first"
        )
    return duckdb.connect(str(published), read_only=True)


def read_provenance(con: duckdb.DuckDBPyConnection, published: Path) -> Provenance:
    rows = con.execute(
        "select published_at, run_id, data_source, is_synthetic, data_source_label "
        "from meta.publications order by published_at desc"
    ).fetchall()
    if rows:
        at, run_id, source, synthetic, label = rows[0]
        return Provenance(Path(published), source, label, bool(synthetic), at, run_id, len(rows))
    # no publish record (a hand-made file): fall back on the marts' own data_source
    (source,) = con.execute("select any_value(data_source) from marts.hedge_scorecard").fetchone()
    synthetic = source == "sample"
    label = "SYNTHETIC SAMPLE — not market data" if synthetic else str(source)
    return Provenance(Path(published), str(source), label, synthetic, None, None, 0)


def asset_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(
        con.execute(
            "select asset_id, asset_name from reference.asset_catalog order by sort_order"
        ).fetchall()
    )


def short_name(asset_id: str) -> str:
    """``ust_10y`` -> ``10y Treasury``; readable labels for charts and tables."""
    kind, _, tenor = asset_id.partition("_")
    return {
        "ust": f"{tenor} Treasury",
        "tips": f"{tenor} TIPS",
    }.get(kind, {"ig": "IG credit", "hy": "HY credit", "baa": "Baa credit"}.get(kind, asset_id))


def read_answer(
    con: duckdb.DuckDBPyConnection, equity: str = EQUITY, frequency: str = ANSWER_FREQUENCY
) -> list[EraAnswer]:
    """Every bond's answer per era, read from ``marts.hedge_answer`` (bond order, era order).

    Nothing is recomputed here: the total-return row gives the statistics, the excess-return
    row (when the publication has one) its hit rate and interval.
    """
    rows = con.execute(
        """
        select t.bond_asset_id, coalesce(c.asset_name, t.bond_asset_id), t.era, t.era_order,
               t.periods, t.stock_down_periods, t.bond_up_when_stock_down, t.hit_rate,
               t.hit_rate_ci_low, t.hit_rate_ci_high, t.hit_rate_wilson_low,
               t.hit_rate_wilson_high, t.mean_bond_return_when_stock_down,
               t.mean_stock_return_when_stock_down, t.correlation, t.correlation_ci_low,
               t.correlation_ci_high, x.hit_rate, x.hit_rate_ci_low, x.hit_rate_ci_high,
               t.previous_era, t.hit_rate_diff_p_value, t.verdict, t.first_period_end,
               t.last_period_end
        from marts.hedge_answer as t
        left join marts.hedge_answer as x
          on x.return_basis = 'excess' and x.equity_asset_id = t.equity_asset_id
         and x.bond_asset_id = t.bond_asset_id and x.frequency = t.frequency and x.era = t.era
        left join reference.asset_catalog as c on c.asset_id = t.bond_asset_id
        where t.return_basis = 'total' and t.equity_asset_id = ? and t.frequency = ?
        order by c.sort_order, t.era_order
        """,
        [equity, frequency],
    ).fetchall()
    return [
        EraAnswer(
            bond_asset_id=r[0],
            bond_name=r[1],
            era=r[2],
            era_order=r[3],
            months=r[4],
            down_months=r[5],
            bond_up=r[6],
            hit_rate=r[7],
            ci=(r[8], r[9]),
            wilson=(r[10], r[11]),
            mean_bond_return=r[12],
            mean_stock_return=r[13],
            correlation=r[14],
            correlation_ci=(r[15], r[16]),
            excess_hit_rate=r[17],
            excess_ci=(r[18], r[19]),
            previous_era=r[20],
            p_value=r[21],
            verdict=r[22],
            first_period_end=r[23],
            last_period_end=r[24],
        )
        for r in rows
    ]


def _scorecard(con, dimension: str, bond: str = HEADLINE_BOND, equity: str = EQUITY) -> list:
    return con.execute(
        """
        select regime_value, stock_down_periods, bond_up_when_stock_down, hit_rate,
               hit_rate_ci_low, hit_rate_ci_high, mean_bond_return_when_stock_down
        from marts.hedge_scorecard
        where equity_asset_id = ? and bond_asset_id = ? and frequency = 'monthly'
          and regime_dimension = ? and stock_down_periods > 0
        order by hit_rate desc
        """,
        [equity, bond, dimension],
    ).fetchall()


# --------------------------------------------------------------------------------------------
# headline


def pct(x: float | None, digits: int = 0) -> str:
    return "n/a" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:.{digits}%}"


def spct(x: float | None, digits: int = 1) -> str:
    """Signed percent with a real minus sign in text."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "n/a"
    return f"{x:+.{digits}%}".replace("-", "\u2212")


def ci_text(interval: tuple[float | None, float | None]) -> str:
    low, high = interval
    return "n/a" if low is None or high is None else f"{low * 100:.0f}\u2013{high * 100:.0f}%"


def corr_ci_text(interval: tuple[float | None, float | None]) -> str:
    low, high = interval
    if low is None or high is None:
        return "n/a"
    return f"{low:+.2f} to {high:+.2f}".replace("-", "\u2212")


def _month(d: date | None) -> str:
    return d.strftime("%b %Y") if d else "?"


def _pick(answer: list[EraAnswer], bond: str, era_order: int) -> EraAnswer | None:
    return next((h for h in answer if h.bond_asset_id == bond and h.era_order == era_order), None)


def prose_name(asset_id: str) -> str:
    """``ust_10y`` -> ``10-year Treasury`` (for sentences)."""
    kind, _, tenor = asset_id.partition("_")
    if kind in ("ust", "tips") and tenor.endswith("y"):
        return f"{tenor[:-1]}-year {'Treasury' if kind == 'ust' else 'TIPS'}"
    if kind == "ust" and tenor.endswith("m"):
        return f"{tenor[:-1]}-month Treasury bill"
    return short_name(asset_id)


def headline(con: duckdb.DuckDBPyConnection, answer: list[EraAnswer]) -> list[str]:
    """The paragraphs an analyst reads first, worded from marts.hedge_answer and the marts.

    "More often than not" only when the whole block-bootstrap interval is above 50 %; each
    later era's sentence is hedge_answer's own `verdict` (it says "significantly" only when its
    bootstrap test of the difference from the previous era gives p < 0.05).
    """
    bond = HEADLINE_BOND
    if not any(h.bond_asset_id == bond for h in answer):
        bond = answer[0].bond_asset_id if answer else bond
    name = prose_name(bond)
    overall = _pick(answer, bond, 1)
    if overall is None or not overall.down_months:
        return [f"No month has both an S&P 500 and a {name} return yet: nothing to answer."]
    paragraphs: list[str] = []

    low, high = overall.ci
    if low is not None and low > 0.5:
        verdict = "more often than not"
    elif high is not None and high < 0.5:
        verdict = "less often than not"
    else:
        verdict = "no better than a coin toss (the interval includes 50%)"
    text = (
        f"In months when the S&P 500 fell, the {name} rose {pct(overall.hit_rate)} of the "
        f"time (95% block-bootstrap interval {ci_text(overall.ci)}; i.i.d. Wilson "
        f"{ci_text(overall.wilson)}; {overall.bond_up} of {overall.down_months} down "
        f"months, {_month(overall.first_period_end)} to {_month(overall.last_period_end)}): "
        f"{verdict}. In those months it returned {spct(overall.mean_bond_return, 2)} on "
        f"average while stocks returned {spct(overall.mean_stock_return)}"
    )
    if overall.correlation is not None:
        text += (
            f"; the monthly correlation was {overall.correlation:+.2f}".replace("-", "\u2212")
            + f" (95% interval {corr_ci_text(overall.correlation_ci)})"
        )
    if overall.excess_hit_rate is not None:
        text += (
            f"; it beat the 3-month bill in {pct(overall.excess_hit_rate)} of them "
            f"({ci_text(overall.excess_ci)})"
        )
    paragraphs.append(text + ".")

    later = [h for h in answer if h.bond_asset_id == bond and h.previous_era and h.down_months]
    if later:
        paragraphs.append(" ".join(h.verdict for h in later))

    regimes = [r for r in _scorecard(con, "inflation_regime", bond) if r[1] >= 3]
    if len(regimes) >= 2:
        best, worst = regimes[0], regimes[-1]
        text = (
            f"It hedged best when inflation was {best[0]} at the start of the month "
            f"({pct(best[3])} of {best[1]} down months) and worst when it was {worst[0]} "
            f"({pct(worst[3])} of {worst[1]})"
        )
        corr = {r[0]: r for r in _scorecard(con, "hedge_regime", bond)}
        if "negative" in corr and "positive" in corr:
            text += (
                f"; {pct(corr['negative'][3])} when the trailing 63-day stock-bond "
                f"correlation was negative, {pct(corr['positive'][3])} when it was positive"
            )
        paragraphs.append(text + ".")

    episodes = con.execute(
        """
        select peak_date, trough_date, depth, bond_return_peak_to_trough
        from marts.drawdown_episodes
        where equity_asset_id = ? and bond_asset_id = ?
          and bond_return_peak_to_trough is not null
        order by peak_date
        """,
        [EQUITY, bond],
    ).fetchall()
    if episodes:
        hedged = [e for e in episodes if e[3] > 0]
        failed = [e for e in episodes if e[3] <= 0]
        deepest = min(episodes, key=lambda e: e[2])
        floor = int(min(abs(e[2]) for e in episodes) * 100)
        text = (
            f"Across the {len(episodes)} S&P 500 drawdowns of {floor}% or more since "
            f"{episodes[0][0].year}, it gained from peak to trough in {len(hedged)}; in the "
            f"deepest ({_month(deepest[0])} to {_month(deepest[1])}, stocks "
            f"{spct(deepest[2], 0)}) it returned {spct(deepest[3])}"
        )
        if failed:
            worst_fail = min(failed, key=lambda e: e[3])
            text += (
                f". Its worst miss was {_month(worst_fail[0])} to {_month(worst_fail[1])}: "
                f"stocks {spct(worst_fail[2], 0)} and the {name} {spct(worst_fail[3])}"
            )
        paragraphs.append(text + ".")

    now = con.execute(
        """
        select as_of_date, correlation_252d, hedge_regime_current, inflation_regime,
               policy_regime, outlook, outlook_reason
        from marts.hedge_monitor_latest
        """
    ).fetchone()
    if now:
        as_of, corr, regime, inflation, policy, outlook, reason = now
        corr_text = "n/a" if corr is None or math.isnan(corr) else f"{corr:+.2f}"
        paragraphs.append(
            f"Now ({as_of}): the 252-day S&P 500 / 10-year correlation is {corr_text} "
            f"({regime or 'unknown'} hedge regime), inflation is {inflation or 'unknown'} and "
            f"Fed policy is on {policy or 'unknown'}. Outlook: {outlook} \u2014 {reason}."
        )
    return paragraphs


# --------------------------------------------------------------------------------------------
# charts


def _figure(prov: Provenance, title: str, size: tuple[float, float], nrows: int = 1, **kw):
    """A figure with the title, the synthetic banner (when it applies) and a source footer."""
    fig = Figure(figsize=size, dpi=DPI, layout="constrained")
    height = size[1]
    banner_in = 0.42 if prov.is_synthetic else 0.0  # inches reserved at the top
    title_top = 1 - (banner_in + 0.08) / height
    top = 1 - (banner_in + 0.45) / height
    bottom = 0.28 / height
    fig.get_layout_engine().set(rect=(0, bottom, 1, top - bottom))
    axes = fig.subplots(nrows, 1, squeeze=False, **kw)[:, 0]
    fig.text(0.01, title_top, title, fontsize=13, weight="bold", va="top")
    if prov.is_synthetic:
        fig.text(
            0.5,
            1 - 0.06 / height,
            f"{SYNTHETIC_BANNER}  \u00b7  simulated by the offline sample source",
            ha="center",
            va="top",
            fontsize=12,
            weight="bold",
            color="white",
            bbox={"facecolor": "#c62828", "edgecolor": "none", "boxstyle": "square,pad=0.45"},
        )
        fig.text(
            0.5,
            0.5,
            "SYNTHETIC",
            ha="center",
            va="center",
            rotation=25,
            fontsize=90,
            color="#c62828",
            alpha=0.07,
            weight="bold",
        )
    fig.text(0.01, 0.06 / height, prov.footer(), fontsize=7.5, color="#555555", va="bottom")
    return fig, axes


def _save(fig: Figure, path: Path) -> bytes:
    """Write the full-size PNG atomically; return a small palette PNG for UI metadata.

    The figure is drawn once: the thumbnail is the full PNG scaled down, not a second render
    (a matplotlib draw is most of the report's time).
    """
    full = io.BytesIO()
    fig.savefig(full, format="png", dpi=DPI)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(full.getvalue())
    os.replace(tmp, path)
    from PIL import Image  # matplotlib's own dependency

    thumb = io.BytesIO()
    with Image.open(io.BytesIO(full.getvalue())) as image:
        size = tuple(max(1, round(n * THUMBNAIL_DPI / DPI)) for n in image.size)
        small = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
        small.quantize(colors=64).save(thumb, format="PNG", optimize=True)
    return thumb.getvalue()


def _no_data(ax, what: str) -> None:
    ax.text(0.5, 0.5, f"no {what} in this publication", ha="center", va="center", fontsize=12)
    ax.set_axis_off()


def _regime_runs(con, column: str) -> list[tuple[str, date, date]]:
    return con.execute(
        f"""
        with d as (
            select calendar_date, {column} as v,
                   lead(calendar_date) over (order by calendar_date) as next_date
            from marts.regime_daily
        ),
        g as (
            select *, sum(case when v is distinct from prev then 1 else 0 end)
                over (order by calendar_date) as grp
            from (select *, lag(v) over (order by calendar_date) as prev from d)
        )
        select any_value(v), min(calendar_date), max(coalesce(next_date, calendar_date))
        from g where v is not null group by grp order by 2
        """
    ).fetchall()


def _daily_correlation_252(con) -> list[tuple]:
    """(as_of_date, correlation) of the headline pair's 252-day daily correlation, both charts'."""
    return con.execute(
        """
    select as_of_date, correlation from marts.rolling_correlations
    where frequency = 'daily' and window_periods = 252 and equity_asset_id = ?
      and bond_asset_id = ? and correlation is not null and not isnan(correlation)
    order by as_of_date
    """,
        [EQUITY, HEADLINE_BOND],
    ).fetchall()


def chart_rolling_correlation(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "Rolling 252-day correlation: S&P 500 vs 10-year Treasury (daily returns)"
    rows = _daily_correlation_252(con)
    fig, (ax,) = _figure(prov, title, (11, 5.2))
    if not rows:
        _no_data(ax, "rolling correlation")
        return title, "", _save(fig, path)
    dates, values = zip(*rows, strict=True)
    for regime, start, end in _regime_runs(con, "inflation_regime"):
        if end >= dates[0]:
            ax.axvspan(start, end, color=INFLATION_COLOURS.get(regime, "#eeeeee"), lw=0)
    ax.plot(dates, values, color="#08306b", lw=1.1)
    ax.axhline(0, color="black", lw=0.8)
    for band in (-0.2, 0.2):
        ax.axhline(band, color="#555555", lw=0.7, ls="--")
    ax.set_xlim(dates[0], dates[-1])
    ax.set_ylim(-1, 1)
    ax.set_ylabel("correlation")
    ax.plot([dates[-1]], [values[-1]], "o", color="#c62828", ms=5)
    ax.annotate(
        f"latest {values[-1]:+.2f}",
        (dates[-1], values[-1]),
        xytext=(-95, -28 if values[-1] > 0 else 22),
        textcoords="offset points",
        fontsize=9,
        weight="bold",
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
        arrowprops={"arrowstyle": "-", "color": "#c62828", "lw": 0.8},
    )
    handles = [Patch(color=c, label=f"{k} inflation") for k, c in INFLATION_COLOURS.items()]
    handles.append(Line2D([], [], color="#555555", lw=0.7, ls="--", label="\u00b10.2 band"))
    ax.legend(handles=handles, loc="lower left", fontsize=8, ncols=4, framealpha=0.9)
    ax.text(
        0.995,
        0.97,
        "below 0: bonds tend to rise when stocks fall (negative hedge regime)\n"
        "above 0: they tend to move together",
        transform=ax.transAxes,
        ha="right",
        va="top",
        fontsize=8.5,
        bbox={"facecolor": "white", "alpha": 0.8, "edgecolor": "none"},
    )
    negative = sum(v < -0.2 for v in values) / len(values)
    caption = (
        f"Trailing 252-business-day correlation of daily S&P 500 and 10-year Treasury "
        f"returns, {dates[0]} to {dates[-1]}, shaded by inflation regime (CPI YoY, as "
        f"published). It was below \u22120.2 on {negative:.0%} of days; latest "
        f"{values[-1]:+.2f}."
    )
    return title, caption, _save(fig, path)


def chart_markov_regimes(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "Markov-switching hedge regime: probability the hedge is failing vs the correlation"
    months = con.execute(
        "select period_end, filtered_probability_failing, smoothed_probability_failing "
        "from marts.markov_regimes order by period_end"
    ).fetchall()
    corr = _daily_correlation_252(con)
    fit = dict(con.execute("select regime, beta from marts.markov_regime_fit").fetchall())
    fig, (ax,) = _figure(prov, title, (11, 5.2))
    if not months:
        _no_data(ax, "Markov-switching regimes")
        return title, "", _save(fig, path)
    dates, filtered, smoothed = zip(*months, strict=True)
    shade = ax.twinx()
    shade.fill_between(dates, 0, filtered, step="pre", color="#c62828", alpha=0.22, lw=0)
    shade.plot(dates, smoothed, color="#c62828", lw=0.8, ls=":", drawstyle="steps-pre")
    shade.set_ylim(0, 1)
    shade.set_ylabel("P(hedge failing)", color="#c62828")
    if corr:
        c_dates, c_values = zip(*corr, strict=True)
        ax.plot(c_dates, c_values, color="#08306b", lw=1.1)
    ax.set_zorder(shade.get_zorder() + 1)
    ax.patch.set_visible(False)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylim(-1, 1)
    ax.set_xlim(dates[0], dates[-1])
    ax.set_ylabel("252-day correlation")
    handles = [
        Line2D([], [], color="#08306b", lw=1.1, label="252-day S&P 500 / 10y correlation"),
        Patch(color="#c62828", alpha=0.22, label="filtered P(hedge failing), real time"),
        Line2D([], [], color="#c62828", lw=0.8, ls=":", label="smoothed P (hindsight)"),
    ]
    ax.legend(handles=handles, loc="lower left", fontsize=8, ncols=3, framealpha=0.9)
    failing = sum(p > 0.5 for p in filtered) / len(filtered)
    caption = (
        f"Two-regime Markov-switching regression of monthly 10-year Treasury on S&P 500 returns "
        f"({dates[0]:%b %Y} to {dates[-1]:%b %Y}); slope {fit.get('hedge_working', 0):+.2f} "
        f"when the hedge works, {fit.get('hedge_failing', 0):+.2f} when it fails. The filtered "
        f"probability of the failing regime exceeded 0.5 in {failing:.0%} of months."
    )
    return title, caption, _save(fig, path)


def chart_hit_rates(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "How often bonds rose in months the S&P 500 fell, by regime and tenor"
    panels = (
        ("inflation_regime", ("low", "moderate", "high"), "inflation (CPI YoY)"),
        ("policy_regime", ("easing", "hold", "tightening"), "Fed policy (last move)"),
        ("hedge_regime", ("negative", "neutral", "positive"), "63-day stock-bond correlation"),
    )
    rows = con.execute(
        """
        select bond_asset_id, regime_dimension, regime_value, stock_down_periods,
               hit_rate, hit_rate_ci_low, hit_rate_ci_high
        from marts.hedge_scorecard
        where equity_asset_id = ? and frequency = 'monthly' and stock_down_periods > 0
        """,
        [EQUITY],
    ).fetchall()
    data = {(b, d, v): (n, h, lo, hi) for b, d, v, n, h, lo, hi in rows}
    tenors = [t for t in TENOR_ASSETS if (t, "all", "all") in data]
    fig, axes = _figure(prov, title, (11, 10), nrows=len(panels), sharey=True)
    if not tenors:
        _no_data(axes[0], "hedge scorecard")
        return title, "", _save(fig, path)
    width = 0.8 / len(tenors)
    for ax, (dimension, values, label) in zip(axes, panels, strict=True):
        groups = [("all", "all")] + [(dimension, v) for v in values]
        for i, tenor in enumerate(tenors):
            xs, hs, errs = [], [], ([], [])
            for g, (dim, val) in enumerate(groups):
                cell = data.get((tenor, dim, val))
                if cell is None:
                    continue
                n, h, lo, hi = cell
                xs.append(g + (i - (len(tenors) - 1) / 2) * width)
                hs.append(h)
                errs[0].append(max(0.0, h - lo))
                errs[1].append(max(0.0, hi - h))
            ax.bar(
                xs,
                hs,
                width * 0.92,
                yerr=errs,
                capsize=2,
                color=TENOR_COLOURS.get(tenor, "#999999"),
                ecolor="#333333",
                error_kw={"lw": 0.8},
                label=short_name(tenor),
            )
        ticks = []
        for dim, val in groups:
            ns = [data[(t, dim, val)][0] for t in tenors if (t, dim, val) in data]
            shown = REGIME_LABELS.get(val, val)
            ticks.append(f"{shown}\nn = {max(ns)}" if ns else f"{shown}\n(no months)")
        ax.set_xticks(range(len(groups)), ticks)
        ax.axhline(0.5, color="#c62828", lw=0.9, ls="--")
        ax.set_ylim(0, 1.05)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_title(f"by {label}", loc="left", fontsize=10)
        ax.set_ylabel("hit rate")
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(ncols=len(tenors), fontsize=8, loc="upper right")
    caption = (
        "Share of months with a falling S&P 500 in which each bond's total return was "
        "positive (bars), with Wilson 95% intervals (whiskers); the regime is the one at the "
        "start of the month. Dashed line: 50%. n = down months (longest-history tenor)."
    )
    return title, caption, _save(fig, path)


def chart_drawdowns(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "S&P 500 drawdowns and what bonds returned from peak to trough"
    rows = con.execute(
        """
        select episode_id, peak_date, trough_date, depth, bond_asset_id,
               bond_return_peak_to_trough
        from marts.drawdown_episodes
        where equity_asset_id = ?
        order by peak_date
        """,
        [EQUITY],
    ).fetchall()
    episodes: dict[str, dict] = {}
    for episode, peak, trough, depth, bond, ret in rows:
        e = episodes.setdefault(episode, {"peak": peak, "trough": trough, "depth": depth})
        e[bond] = ret
    bonds = [b for b in DRAWDOWN_BONDS if any(e.get(b) is not None for e in episodes.values())]
    shown = [e for e in episodes.values() if any(e.get(b) is not None for b in bonds)]
    fig, (ax,) = _figure(prov, title, (11, max(5.0, 1.6 + 0.42 * len(shown))))
    if not shown:
        _no_data(ax, "drawdown episodes with bond returns")
        return title, "", _save(fig, path)
    series = [("depth", "S&P 500 drawdown", "#9e9e9e")] + [
        (b, short_name(b), TENOR_COLOURS.get(b, "#555555")) for b in bonds
    ]
    height = 0.8 / len(series)
    for j, (key, label, colour) in enumerate(series):
        ys = [i + (j - (len(series) - 1) / 2) * height for i in range(len(shown))]
        vals = [e.get(key) if e.get(key) is not None else 0.0 for e in shown]
        ax.barh(ys, vals, height * 0.92, color=colour, label=label)
        if key != "depth":
            for y, e in zip(ys, shown, strict=True):
                v = e.get(key)
                text = "n/a" if v is None else f"{v:+.1%}"
                ax.text(
                    (v or 0) + (0.004 if (v or 0) >= 0 else -0.004),
                    y,
                    text,
                    va="center",
                    ha="left" if (v or 0) >= 0 else "right",
                    fontsize=7,
                )
    labels = [f"{e['peak']:%Y-%m} \u2192 {e['trough']:%Y-%m}  ({e['depth']:.0%})" for e in shown]
    ax.set_yticks(range(len(shown)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("return from the S&P 500's peak close to its trough close")
    ax.grid(axis="x", alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    omitted = len(episodes) - len(shown)
    caption = (
        f"{len(shown)} S&P 500 drawdown episodes (falls from a running high, peak to trough) "
        f"with the total return of {', '.join(short_name(b) for b in bonds)} over the same "
        "days."
        + (
            f" {omitted} earlier episode(s) before the bond data begin are left out."
            if omitted
            else ""
        )
    )
    return title, caption, _save(fig, path)


def chart_breakevens(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "10-year nominal yield = real yield (TIPS) + breakeven inflation"
    rows = con.execute(
        """
        select date, nominal_yield, real_yield, coalesce(breakeven_computed,
               breakeven_published), forward_5y5y_breakeven
        from marts.breakevens
        where tenor_years = 10 and real_yield is not null
        order by date
        """
    ).fetchall()
    fig, axes = _figure(prov, title, (11, 7), nrows=2, sharex=True)
    if not rows:
        _no_data(axes[0], "breakevens")
        axes[1].set_axis_off()
        return title, "", _save(fig, path)
    dates, nominal, real, breakeven, forward = zip(*rows, strict=True)
    ax = axes[0]
    ax.plot(dates, nominal, color="#08306b", lw=1, label="10y nominal (DGS10)")
    ax.plot(dates, real, color="#f16913", lw=1, label="10y real (DFII10)")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_ylabel("yield")
    ax.legend(loc="upper right", fontsize=8)
    ax = axes[1]
    ax.plot(dates, breakeven, color="#6a3d9a", lw=1, label="10y breakeven")
    if any(f is not None for f in forward):
        fwd = [math.nan if f is None else f for f in forward]
        ax.plot(dates, fwd, color="#b2abd2", lw=0.9, label="5y5y forward breakeven")
    ax.axhline(0.02, color="#555555", lw=0.7, ls="--", label="2% (Fed target, PCE)")
    ax.set_ylabel("breakeven inflation")
    ax.legend(loc="upper right", fontsize=8)
    for a in axes:
        a.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        a.grid(alpha=0.3)
        a.set_xlim(dates[0], dates[-1])
    caption = (
        f"From {dates[0]} to {dates[-1]}. Latest: nominal {nominal[-1]:.2%}, real "
        f"{real[-1]:.2%}, breakeven {breakeven[-1]:.2%}. A rise in real yields hurts TIPS and "
        "nominal bonds alike; a rise in breakevens (inflation fears) is what turned the "
        "stock-bond correlation positive in past inflation regimes."
    )
    return title, caption, _save(fig, path)


def chart_portfolio(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "60/40 vs stocks alone: growth of $1 and drawdowns (monthly, rebalanced)"
    rows = con.execute(
        """
        select portfolio_id, any_value(portfolio_name) over (partition by portfolio_id),
               period_end, wealth_index, drawdown
        from marts.portfolio_60_40
        order by portfolio_id desc, period_end
        """
    ).fetchall()
    fig, axes = _figure(prov, title, (11, 7), nrows=2, sharex=True, height_ratios=(1, 1))
    if not rows:
        _no_data(axes[0], "portfolio history")
        axes[1].set_axis_off()
        return title, "", _save(fig, path)
    series: dict[str, dict] = {}
    for pid, name, end, wealth, dd in rows:
        s = series.setdefault(pid, {"name": name, "d": [], "w": [], "dd": []})
        s["d"].append(end)
        s["w"].append(wealth)
        s["dd"].append(dd)
    colours = {"equity_only": "#9e9e9e", "balanced": "#08519c"}
    worst = {}
    for pid, s in series.items():
        colour = colours.get(pid, "#333333")
        axes[0].plot(s["d"], s["w"], color=colour, lw=1.1, label=s["name"])
        axes[1].plot(s["d"], s["dd"], color=colour, lw=1)
        axes[1].fill_between(s["d"], s["dd"], 0, color=colour, alpha=0.18)
        i = min(range(len(s["dd"])), key=s["dd"].__getitem__)
        worst[pid] = (s["dd"][i], s["d"][i])
        axes[1].annotate(
            f"{s['dd'][i]:.0%} ({s['d'][i]:%Y-%m})",
            (s["d"][i], s["dd"][i]),
            xytext=(6, -4),
            textcoords="offset points",
            fontsize=8,
            color=colour,
        )
    axes[0].set_yscale("log")
    axes[0].set_ylabel("wealth (log scale)")
    axes[0].legend(loc="upper left", fontsize=8)
    axes[1].yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes[1].set_ylabel("drawdown from peak")
    for a in axes:
        a.grid(alpha=0.3)
    caption = "Maximum drawdowns: " + "; ".join(
        f"{series[p]['name']} {dd:.0%} ({d:%b %Y})" for p, (dd, d) in worst.items()
    )
    return title, caption + ".", _save(fig, path)


# chart functions return (title, caption, thumbnail); listed in the report's order
CHARTS = (
    ("rolling_correlation", chart_rolling_correlation),
    ("markov_regimes", chart_markov_regimes),
    ("hit_rates", chart_hit_rates),
    ("drawdowns", chart_drawdowns),
    ("breakevens", chart_breakevens),
    ("portfolio_60_40", chart_portfolio),
)


# --------------------------------------------------------------------------------------------
# answer table (shared by the HTML and the CLI)


ANSWER_HEADER = [
    "bond",
    "era",
    "n",
    "hit",
    "95% boot",
    "Wilson",
    "excess",
    "mean",
    "corr",
    "corr 95% boot",
    "p vs prev",
]


def answer_table(answer: list[EraAnswer]) -> tuple[list[str], list[list[str]]]:
    """One row per bond and era, straight from marts.hedge_answer."""
    rows = []
    for h in answer:
        if not h.down_months:
            rows.append([short_name(h.bond_asset_id), h.era, "0"] + ["-"] * 8)
            continue
        rows.append(
            [
                short_name(h.bond_asset_id),
                h.era,
                str(h.down_months),
                pct(h.hit_rate),
                ci_text(h.ci),
                ci_text(h.wilson),
                pct(h.excess_hit_rate),
                spct(h.mean_bond_return, 2),
                "n/a" if h.correlation is None else f"{h.correlation:+.2f}",
                corr_ci_text(h.correlation_ci).replace("\u2212", "-"),
                "" if h.p_value is None else f"{h.p_value:.3f}",
            ]
        )
    return ANSWER_HEADER, rows


def format_answer_text(answer: list[EraAnswer], width: int = 100) -> str:
    """The answer table as fixed-width text (fits ``width`` columns)."""
    header, rows = answer_table(answer)
    widths = [13, 12, 4, 4, 8, 8, 6, 7, 5, 14, 9]
    right = {2, 3, 6, 7, 8, 10}

    def line(cells):
        return " ".join(
            f"{c:>{w}}" if i in right else f"{c:<{w}}"
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines = [line(header)] + [line(r) for r in rows]
    notes = [
        "n = S&P 500 down months; hit = share with a positive bond total return, with its 95% "
        "stationary block bootstrap interval and the i.i.d. Wilson interval; excess = share "
        "beating the 3-month bill; mean = mean bond return in them; corr = monthly "
        "correlation (bootstrap interval); p vs prev = bootstrap p-value of the hit-rate "
        "difference from the previous era. Source: marts.hedge_answer."
    ]
    lines.append("")
    for note in notes:
        lines += textwrap.wrap(note, width)
    return "\n".join(x[:width].rstrip() for x in lines)


REGIME_TABLES = (
    ("inflation_regime", ("low", "moderate", "high"), "inflation at the start of the month"),
    ("hedge_regime", ("negative", "neutral", "positive"), "trailing 63-day correlation"),
)


def regime_table(
    con: duckdb.DuckDBPyConnection, dimension: str, values: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """Hit rate (95% CI, down months) of each tenor per regime value, from hedge_scorecard."""
    rows = con.execute(
        """
        select bond_asset_id, regime_value, hit_rate, hit_rate_ci_low, hit_rate_ci_high,
               stock_down_periods
        from marts.hedge_scorecard
        where equity_asset_id = ? and frequency = 'monthly' and regime_dimension = ?
        """,
        [EQUITY, dimension],
    ).fetchall()
    cells = {(b, v): (h, lo, hi, n) for b, v, h, lo, hi, n in rows}
    header = ["bond", *values]
    table = []
    for bond in TENOR_ASSETS:
        if not any((bond, v) in cells for v in values):
            continue
        row = [short_name(bond)]
        for v in values:
            h, lo, hi, n = cells.get((bond, v), (None, None, None, 0))
            row.append(
                f"{pct(h)} ({lo * 100:.0f}\u2013{hi * 100:.0f}) n={n}"
                if n and h is not None
                else "-"
            )
        table.append(row)
    return header, table


def format_table_text(header: list[str], rows: list[list[str]], first: int = 14) -> str:
    widths = [first] + [
        max(len(h), *(len(r[i]) for r in rows)) + 2 if rows else len(h) + 2
        for i, h in enumerate(header)
        if i
    ]
    lines = ["".join(f"{c:<{w}}" for c, w in zip(header, widths, strict=True)).rstrip()]
    lines += ["".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# HTML


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


# --------------------------------------------------------------------------------------------
# entry points


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


def wrap(paragraphs: Sequence[str], width: int = 100) -> str:
    return "\n\n".join(textwrap.fill(p, width) for p in paragraphs)
