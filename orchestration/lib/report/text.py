"""The report's words: number formats, the headline paragraphs and the text tables.

The headline is worded from ``marts.hedge_answer`` (its ``verdict`` and intervals) and the
other marts; nothing is recomputed here.
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Sequence
from datetime import date

import duckdb

from ingestion.dbt_lists import regime_labels
from orchestration.lib.report import queries
from orchestration.lib.report.answer import EraAnswer
from orchestration.lib.report.queries import FAST_WINDOW as FAST
from orchestration.lib.report.queries import HEADLINE_BOND
from orchestration.lib.report.queries import SLOW_WINDOW as SLOW

TENOR_ASSETS = ("ust_2y", "ust_5y", "ust_10y", "ust_30y", "tips_10y")


def short_name(asset_id: str) -> str:
    """``ust_10y`` -> ``10y Treasury``; readable labels for charts and tables."""
    kind, _, tenor = asset_id.partition("_")
    return {
        "ust": f"{tenor} Treasury",
        "tips": f"{tenor} TIPS",
    }.get(kind, {"ig": "IG credit", "hy": "HY credit", "baa": "Baa credit"}.get(kind, asset_id))


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

    regimes = [r for r in queries.scorecard(con, "inflation_regime", bond) if r[1] >= 3]
    if len(regimes) >= 2:
        best, worst = regimes[0], regimes[-1]
        text = (
            f"It hedged best when inflation was {best[0]} at the start of the month "
            f"({pct(best[3])} of {best[1]} down months) and worst when it was {worst[0]} "
            f"({pct(worst[3])} of {worst[1]})"
        )
        corr = {r[0]: r for r in queries.scorecard(con, "hedge_regime", bond)}
        if "negative" in corr and "positive" in corr:
            text += (
                f"; {pct(corr['negative'][3])} when the trailing {FAST}-day stock-bond "
                f"correlation was negative, {pct(corr['positive'][3])} when it was positive"
            )
        paragraphs.append(text + ".")

    episodes = queries.episodes_with_bond(con, bond)
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

    now = queries.monitor_now(con)
    if now:
        as_of, corr, regime, inflation, policy, outlook, reason = now
        corr_text = "n/a" if corr is None or math.isnan(corr) else f"{corr:+.2f}"
        paragraphs.append(
            f"Now ({as_of}): the {SLOW}-day S&P 500 / 10-year correlation is {corr_text} "
            f"({regime or 'unknown'} hedge regime), inflation is {inflation or 'unknown'} and "
            f"Fed policy is on {policy or 'unknown'}. Outlook: {outlook} \u2014 {reason}."
        )
    return paragraphs


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
    ("inflation_regime", regime_labels("inflation_regime"), "inflation at the start of the month"),
    (
        "hedge_regime",
        regime_labels("hedge_regime"),
        f"trailing {FAST}-day correlation",
    ),
)


def regime_table(
    con: duckdb.DuckDBPyConnection, dimension: str, values: Sequence[str]
) -> tuple[list[str], list[list[str]]]:
    """Hit rate (95% CI, down months) of each tenor per regime value, from hedge_scorecard."""
    rows = queries.regime_cells(con, dimension)
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


def wrap(paragraphs: Sequence[str], width: int = 100) -> str:
    return "\n\n".join(textwrap.fill(p, width) for p in paragraphs)
