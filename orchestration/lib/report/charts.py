"""Charts of the marts' history: rolling correlation, Markov regimes, drawdowns, breakevens and
the 60/40 portfolio. Each returns (title, caption, thumbnail PNG) and writes its full PNG."""

from __future__ import annotations

import math
from pathlib import Path

from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from orchestration.lib.report import queries
from orchestration.lib.report.figure import (
    INFLATION_COLOURS,
    TENOR_COLOURS,
    figure,
    no_data,
    save,
)
from orchestration.lib.report.queries import SLOW_WINDOW as SLOW
from orchestration.lib.report.queries import Provenance
from orchestration.lib.report.text import short_name

DRAWDOWN_BONDS = ("ust_2y", "ust_10y")


def chart_rolling_correlation(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = f"Rolling {SLOW}-day correlation: S&P 500 vs 10-year Treasury (daily returns)"
    rows = queries.daily_correlation_slow(con)
    fig, (ax,) = figure(prov, title, (11, 5.2))
    if not rows:
        no_data(ax, "rolling correlation")
        return title, "", save(fig, path)
    dates, values = zip(*rows, strict=True)
    for regime, start, end in queries.regime_runs(con, "inflation_regime"):
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
        f"Trailing {SLOW}-business-day correlation of daily S&P 500 and 10-year Treasury "
        f"returns, {dates[0]} to {dates[-1]}, shaded by inflation regime (CPI YoY, as "
        f"published). It was below \u22120.2 on {negative:.0%} of days; latest "
        f"{values[-1]:+.2f}."
    )
    return title, caption, save(fig, path)


def chart_markov_regimes(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "Markov-switching hedge regime: probability the hedge is failing vs the correlation"
    months = queries.markov_months(con)
    corr = queries.daily_correlation_slow(con)
    fit = queries.markov_betas(con)
    fig, (ax,) = figure(prov, title, (11, 5.2))
    if not months:
        no_data(ax, "Markov-switching regimes")
        return title, "", save(fig, path)
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
    ax.set_ylabel(f"{SLOW}-day correlation")
    handles = [
        Line2D(
            [],
            [],
            color="#08306b",
            lw=1.1,
            label=f"{SLOW}-day S&P 500 / 10y correlation",
        ),
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
    return title, caption, save(fig, path)


def chart_drawdowns(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "S&P 500 drawdowns and what bonds returned from peak to trough"
    rows = queries.drawdown_bond_returns(con)
    episodes: dict[str, dict] = {}
    for episode, peak, trough, depth, bond, ret in rows:
        e = episodes.setdefault(episode, {"peak": peak, "trough": trough, "depth": depth})
        e[bond] = ret
    bonds = [b for b in DRAWDOWN_BONDS if any(e.get(b) is not None for e in episodes.values())]
    shown = [e for e in episodes.values() if any(e.get(b) is not None for b in bonds)]
    fig, (ax,) = figure(prov, title, (11, max(5.0, 1.6 + 0.42 * len(shown))))
    if not shown:
        no_data(ax, "drawdown episodes with bond returns")
        return title, "", save(fig, path)
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
    return title, caption, save(fig, path)


def chart_breakevens(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "10-year nominal yield = real yield (TIPS) + breakeven inflation"
    rows = queries.breakeven_rows(con)
    fig, axes = figure(prov, title, (11, 7), nrows=2, sharex=True)
    if not rows:
        no_data(axes[0], "breakevens")
        axes[1].set_axis_off()
        return title, "", save(fig, path)
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
    return title, caption, save(fig, path)


def chart_portfolio(con, prov: Provenance, path: Path) -> tuple[str, str, bytes]:
    title = "60/40 vs stocks alone: growth of $1 and drawdowns (monthly, rebalanced)"
    rows = queries.portfolio_rows(con)
    fig, axes = figure(prov, title, (11, 7), nrows=2, sharex=True, height_ratios=(1, 1))
    if not rows:
        no_data(axes[0], "portfolio history")
        axes[1].set_axis_off()
        return title, "", save(fig, path)
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
    return title, caption + ".", save(fig, path)
