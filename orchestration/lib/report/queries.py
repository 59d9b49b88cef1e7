"""The report's reads: provenance, the answer (``marts.hedge_answer``) and every chart's rows.

Only the published file's marts are read (plus ``reference.asset_catalog`` for names and
``meta.publications`` for provenance); nothing here computes a statistic.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import duckdb

from ingestion.dbt_lists import hedge_regime_windows

EQUITY = "sp500"

HEADLINE_BOND = "ust_10y"
#: the hedge regime's trailing windows (dbt vars, business days): the fast one sets the regime,
#: the slow one is the long view both correlation charts draw
FAST_WINDOW, SLOW_WINDOW = hedge_regime_windows()

ANSWER_FREQUENCY = "monthly"


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


def scorecard(con, dimension: str, bond: str = HEADLINE_BOND, equity: str = EQUITY) -> list:
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


def regime_runs(con, column: str) -> list[tuple[str, date, date]]:
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


def daily_correlation_slow(con) -> list[tuple]:
    """(as_of_date, correlation): the headline pair's slow-window daily correlation."""
    return con.execute(
        """
    select as_of_date, correlation from marts.rolling_correlations
    where frequency = 'daily' and window_periods = ? and equity_asset_id = ?
      and bond_asset_id = ? and correlation is not null and not isnan(correlation)
    order by as_of_date
    """,
        [SLOW_WINDOW, EQUITY, HEADLINE_BOND],
    ).fetchall()


def markov_months(con: duckdb.DuckDBPyConnection):
    """(period_end, filtered, smoothed probability of the failing regime) per month."""
    return con.execute(
        "select period_end, filtered_probability_failing, smoothed_probability_failing "
        "from marts.markov_regimes order by period_end"
    ).fetchall()


def markov_betas(con: duckdb.DuckDBPyConnection) -> dict[str, float]:
    """Each Markov regime's slope of bond on equity returns."""
    return dict(con.execute("select regime, beta from marts.markov_regime_fit").fetchall())


def drawdown_bond_returns(con: duckdb.DuckDBPyConnection, equity: str = EQUITY):
    """Every drawdown episode of ``equity`` x bond, with the bond's peak-to-trough return."""
    return con.execute(
        """
    select episode_id, peak_date, trough_date, depth, bond_asset_id,
           bond_return_peak_to_trough
    from marts.drawdown_episodes
    where equity_asset_id = ?
    order by peak_date
    """,
        [equity],
    ).fetchall()


def breakeven_rows(con: duckdb.DuckDBPyConnection):
    """(date, nominal, real, breakeven, 5y5y forward) of the 10-year tenor."""
    return con.execute(
        """
    select date, nominal_yield, real_yield, coalesce(breakeven_computed,
           breakeven_published), forward_5y5y_breakeven
    from marts.breakevens
    where tenor_years = 10 and real_yield is not null
    order by date
    """
    ).fetchall()


def portfolio_rows(con: duckdb.DuckDBPyConnection):
    """(portfolio, name, period_end, wealth, drawdown) of every portfolio, by month."""
    return con.execute(
        """
    select portfolio_id, any_value(portfolio_name) over (partition by portfolio_id),
           period_end, wealth_index, drawdown
    from marts.portfolio_60_40
    order by portfolio_id desc, period_end
    """
    ).fetchall()


def monthly_hit_rates(con: duckdb.DuckDBPyConnection, equity: str = EQUITY):
    """Monthly scorecard cells of ``equity`` with a down month: hit rate, Wilson interval."""
    return con.execute(
        """
    select bond_asset_id, regime_dimension, regime_value, stock_down_periods,
           hit_rate, hit_rate_ci_low, hit_rate_ci_high
    from marts.hedge_scorecard
    where equity_asset_id = ? and frequency = 'monthly' and stock_down_periods > 0
    """,
        [equity],
    ).fetchall()


def episodes_with_bond(con: duckdb.DuckDBPyConnection, bond: str, equity: str = EQUITY):
    """Drawdown episodes of ``equity`` with ``bond``'s peak-to-trough return."""
    return con.execute(
        """
    select peak_date, trough_date, depth, bond_return_peak_to_trough
    from marts.drawdown_episodes
    where equity_asset_id = ? and bond_asset_id = ?
      and bond_return_peak_to_trough is not null
    order by peak_date
    """,
        [equity, bond],
    ).fetchall()


def monitor_now(con: duckdb.DuckDBPyConnection):
    """The latest row of marts.hedge_monitor_latest (or None)."""
    return con.execute(
        """
    select as_of_date, correlation_252d, hedge_regime_current, inflation_regime,
           policy_regime, outlook, outlook_reason
    from marts.hedge_monitor_latest
    """
    ).fetchone()


def regime_cells(con: duckdb.DuckDBPyConnection, dimension: str, equity: str = EQUITY):
    """Monthly hit rate, Wilson interval and down months per bond and value of ``dimension``."""
    return con.execute(
        """
    select bond_asset_id, regime_value, hit_rate, hit_rate_ci_low, hit_rate_ci_high,
           stock_down_periods
    from marts.hedge_scorecard
    where equity_asset_id = ? and frequency = 'monthly' and regime_dimension = ?
    """,
        [equity, dimension],
    ).fetchall()
