"""The answer as ``marts.hedge_answer`` publishes it: per bond and era, read, never recomputed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

from orchestration.lib.report.queries import ANSWER_FREQUENCY, EQUITY


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


#: hedge_answer statistics the interval chart draws: (statistic, bootstrap, i.i.d. interval)
ANSWER_INTERVALS = (
    ("hit_rate", "hit_rate_ci", "hit_rate_wilson"),
    ("mean_bond_return_when_stock_down", "mean_bond_return_when_stock_down_ci", None),
    ("correlation", "correlation_ci", "correlation_fisher"),
)


def answer_intervals(
    con: duckdb.DuckDBPyConnection, equity: str = EQUITY, frequency: str = ANSWER_FREQUENCY
) -> list[dict]:
    """Per bond and era (total return): each statistic with its block-bootstrap and i.i.d.
    95 % intervals, as hedge_answer publishes them (``None`` where it has none)."""
    columns = []
    for stat, boot, iid in ANSWER_INTERVALS:
        columns += [stat, f"{boot}_low", f"{boot}_high"]
        columns += [f"{iid}_low", f"{iid}_high"] if iid else []
    result = con.execute(
        f"""
        select bond_asset_id, era, era_order, stock_down_periods, {", ".join(columns)}
        from marts.hedge_answer
        where return_basis = 'total' and equity_asset_id = ? and frequency = ?
        order by era_order, bond_asset_id
        """,
        [equity, frequency],
    )
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
