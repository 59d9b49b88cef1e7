"""Charts of scorecard and answer statistics, each with its 95 % interval as whiskers."""

from __future__ import annotations

from pathlib import Path

from matplotlib.ticker import PercentFormatter

from ingestion.dbt_lists import regime_labels
from orchestration.lib.report import answer, queries
from orchestration.lib.report.figure import TENOR_COLOURS, figure, no_data, save
from orchestration.lib.report.queries import FAST_WINDOW as FAST
from orchestration.lib.report.queries import Provenance
from orchestration.lib.report.text import TENOR_ASSETS, short_name

REGIME_LABELS = {
    "all": "all months",
    "negative": "negative (< \u22120.2)",
    "neutral": "neutral",
    "positive": "positive (> 0.2)",
}


def chart_hit_rates(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "How often bonds rose in months the S&P 500 fell, by regime and tenor"
    panels = (
        ("inflation_regime", regime_labels("inflation_regime"), "inflation (CPI YoY)"),
        ("policy_regime", regime_labels("policy_regime"), "Fed policy (last move)"),
        (
            "hedge_regime",
            regime_labels("hedge_regime"),
            f"{FAST}-day stock-bond correlation",
        ),
    )
    rows = queries.monthly_hit_rates(con)
    data = {(b, d, v): (n, h, lo, hi) for b, d, v, n, h, lo, hi in rows}
    tenors = [t for t in TENOR_ASSETS if (t, "all", "all") in data]
    fig, axes = figure(prov, title, (11, 10), nrows=len(panels), sharey=True)
    if not tenors:
        no_data(axes[0], "hedge scorecard")
        return title, "", save(fig, path)
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
    return title, caption, save(fig, path)


ANSWER_PANELS = (
    ("hit_rate", "hit rate", PercentFormatter(1.0, decimals=0), (0, 1.05)),
    ("mean_bond_return_when_stock_down", "mean bond return", PercentFormatter(1.0, 1), None),
    ("correlation", "correlation", None, (-1, 1)),
)


def _whiskers(cells: list[dict], stat: str, prefix: str | None) -> tuple[list, list]:
    """(below, above) distances from each statistic to its interval's ends (0 when absent)."""
    below, above = [], []
    for c in cells:
        low = c.get(f"{prefix}_low") if prefix else None
        high = c.get(f"{prefix}_high") if prefix else None
        below.append(0.0 if low is None else max(0.0, c[stat] - low))
        above.append(0.0 if high is None else max(0.0, high - c[stat]))
    return below, above


def chart_answer_intervals(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "The answer by era, with 95% intervals: hit rate, mean bond return, correlation"
    rows = [r for r in answer.answer_intervals(con) if r["stock_down_periods"]]
    tenors = [t for t in TENOR_ASSETS if any(r["bond_asset_id"] == t for r in rows)]
    fig, axes = figure(prov, title, (11, 10), nrows=len(ANSWER_PANELS))
    if not tenors:
        no_data(axes[0], "answer (marts.hedge_answer)")
        return title, "", save(fig, path)
    eras = sorted({(r["era_order"], r["era"]) for r in rows})
    width = 0.8 / len(tenors)
    intervals = {s: (boot, iid) for s, boot, iid in answer.ANSWER_INTERVALS}
    for ax, (stat, label, formatter, limits) in zip(axes, ANSWER_PANELS, strict=True):
        boot, iid = intervals[stat]
        for i, tenor in enumerate(tenors):
            cells = [r for r in rows if r["bond_asset_id"] == tenor and r[stat] is not None]
            order = {o: g for g, (o, _) in enumerate(eras)}
            xs = [order[c["era_order"]] + (i - (len(tenors) - 1) / 2) * width for c in cells]
            values = [c[stat] for c in cells]
            ax.bar(
                xs,
                values,
                width * 0.92,
                yerr=_whiskers(cells, stat, boot),
                capsize=2,
                color=TENOR_COLOURS.get(tenor, "#999999"),
                ecolor="#333333",
                error_kw={"lw": 0.8},
                label=short_name(tenor) if ax is axes[0] else None,
            )
            if iid:
                ax.errorbar(
                    xs,
                    values,
                    yerr=_whiskers(cells, stat, iid),
                    fmt="none",
                    ecolor="#c62828",
                    elinewidth=0,
                    capsize=3.5,
                    capthick=1.1,
                )
        ticks = []
        for order_, era in eras:
            ns = [r["stock_down_periods"] for r in rows if r["era_order"] == order_]
            ticks.append(f"{era}\nn = {max(ns)}")
        ax.set_xticks(range(len(eras)), ticks)
        ax.axhline(0.5 if stat == "hit_rate" else 0, color="#c62828", lw=0.9, ls="--")
        if formatter is not None:
            ax.yaxis.set_major_formatter(formatter)
        if limits is not None:
            ax.set_ylim(*limits)
        ax.set_ylabel(label)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(ncols=len(tenors), fontsize=8, loc="upper right")
    axes[0].set_title(
        "whiskers: 95% stationary block bootstrap; red caps: i.i.d. 95% (Wilson, Fisher-z)",
        loc="left",
        fontsize=9,
    )
    caption = (
        "From marts.hedge_answer (monthly total returns, months the S&P 500 fell). Bars: each "
        "bond's hit rate, mean return in those months and monthly correlation per era; black "
        "whiskers: the 95% stationary block-bootstrap interval computed in dbt; red caps: the "
        "i.i.d. 95% interval (Wilson for the hit rate, Fisher-z for the correlation). "
        "n = down months."
    )
    return title, caption, save(fig, path)
