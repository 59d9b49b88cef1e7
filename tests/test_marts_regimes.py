"""The regime marts answer the question on data whose answer is known.

Sample (synthetic, planted regimes): the planted stock-bond correlation eras are recovered as
hedge regimes, Treasuries hedge stocks in the flight-to-quality era and fail to in the 2022-23
inflation shock, every planted drawdown is found with the planted sign of the 10-year
Treasury's peak-to-trough return, planted "Sell America" and flight-to-quality days are
flagged. Real FRED-format history (skipped when absent): 2008 and 2022 drawdowns with the
Treasury hedge working and failing, the build without the dollar index, and hit rates and
Wilson intervals recomputed here independently of the SQL.
"""

from __future__ import annotations

import math
from datetime import date

import duckdb
import polars as pl
import pytest

from ingestion.sources.sample_model import (
    PLANTED_DRAWDOWNS,
    PLANTED_MOVES,
    PLANTED_REGIMES,
    SELL_AMERICA_DAYS,
)


def frame(warehouse, sql: str) -> pl.DataFrame:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.sql(sql).pl()
    finally:
        con.close()


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson (1927) score interval for k successes in n trials, written out independently."""
    p = k / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def hit_rate(stock: pl.Series, bond: pl.Series) -> tuple[float, int, int]:
    down = stock < 0
    n = int(down.sum())
    k = int((down & (bond > 0)).sum())
    return k / n, k, n


def paired_returns(warehouse, frequency: str, bond: str = "ust_10y") -> pl.DataFrame:
    """Complete-period sp500 and bond total returns side by side, straight from asset_returns."""
    returns = frame(
        warehouse,
        f"""
        select asset_id, period_end, total_return
        from marts.asset_returns
        where frequency = '{frequency}' and is_complete_period and total_return is not null
          and asset_id in ('sp500', '{bond}')
        """,
    )
    stock = returns.filter(pl.col("asset_id") == "sp500").select(
        "period_end", pl.col("total_return").alias("stock")
    )
    bonds = returns.filter(pl.col("asset_id") == bond).select(
        "period_end", pl.col("total_return").alias("bond")
    )
    return stock.join(bonds, on="period_end", how="inner").sort("period_end")


def scorecard_cell(warehouse, frequency, dimension, value, bond="ust_10y", equity="sp500"):
    rows = frame(
        warehouse,
        f"""
        select * from marts.hedge_scorecard
        where equity_asset_id = '{equity}' and bond_asset_id = '{bond}'
          and frequency = '{frequency}' and regime_dimension = '{dimension}'
          and regime_value = '{value}'
        """,
    )
    assert rows.height == 1, f"expected one scorecard row for {frequency}/{dimension}/{value}"
    return rows.row(0, named=True)


def episodes(warehouse, bond: str = "ust_10y") -> pl.DataFrame:
    return frame(
        warehouse,
        f"select * from marts.drawdown_episodes where bond_asset_id = '{bond}' order by peak_date",
    )


def overlapping(episode_rows: pl.DataFrame, peak: date, trough: date) -> pl.DataFrame:
    """Episodes whose peak-to-trough window overlaps [peak, trough], deepest first."""
    return episode_rows.filter(
        (pl.col("peak_date") <= trough) & (pl.col("trough_date") >= peak)
    ).sort("depth")


# ------------------------------------------------------------------------------ sample


def test_every_regime_mart_is_built_and_labelled_synthetic(sample_warehouse):
    for mart in (
        "regime_daily",
        "hedge_scorecard",
        "drawdown_episodes",
        "portfolio_60_40",
        "portfolio_60_40_summary",
        "hedge_monitor_latest",
    ):
        sources = frame(sample_warehouse, f"select distinct data_source from marts.{mart}")
        assert sources["data_source"].to_list() == ["sample"], mart


@pytest.mark.parametrize(
    "regime",
    [r for r in PLANTED_REGIMES if r.expected_corr_sign and (r.end - r.start).days > 700],
    ids=lambda r: r.name,
)
def test_planted_correlation_eras_are_recovered_as_hedge_regimes(sample_warehouse, regime):
    # The hedge regime uses a trailing 252-day correlation: skip the window's first year.
    start = date(regime.start.year + 1, regime.start.month, regime.start.day)
    labels = frame(
        sample_warehouse,
        f"""
        select hedge_regime from marts.regime_daily
        where calendar_date between '{start}' and '{regime.end}' and hedge_regime is not null
        """,
    )["hedge_regime"]
    expected = "positive" if regime.expected_corr_sign > 0 else "negative"
    share = (labels == expected).mean()
    assert labels.len() > 150
    assert share > 0.9, f"{regime.name}: only {share:.0%} of days labelled {expected}"


@pytest.mark.parametrize(
    ("window", "hedges"),
    [("flight_to_quality_era", True), ("inflation_shock", False), ("inflation_era", False)],
)
def test_treasury_hit_rate_in_planted_windows(sample_warehouse, window, hedges):
    """Daily ust_10y hit rate on stock-down days: clearly above 1/2 in the flight-to-quality
    era, clearly below in the inflation eras (the whole Wilson interval on one side)."""
    regime = next(r for r in PLANTED_REGIMES if r.name == window)
    pairs = paired_returns(sample_warehouse, "daily").filter(
        pl.col("period_end").is_between(regime.start, regime.end)
    )
    rate, k, n = hit_rate(pairs["stock"], pairs["bond"])
    low, high = wilson(k, n)
    assert n > 100
    if hedges:
        assert low > 0.5, f"{window}: hit rate {rate:.2f} [{low:.2f}, {high:.2f}]"
    else:
        assert high < 0.5, f"{window}: hit rate {rate:.2f} [{low:.2f}, {high:.2f}]"


def test_scorecard_hedge_regimes_separate_hit_rates(sample_warehouse):
    for frequency in ("daily", "weekly"):
        negative = scorecard_cell(sample_warehouse, frequency, "hedge_regime", "negative")
        positive = scorecard_cell(sample_warehouse, frequency, "hedge_regime", "positive")
        assert negative["hit_rate_ci_low"] > 0.5, frequency
        assert positive["hit_rate_ci_high"] < 0.5, frequency
        assert negative["correlation"] < 0 < positive["correlation"]
        assert negative["downside_beta"] < 0
    for decade in ("2000s", "2010s"):
        cell = scorecard_cell(sample_warehouse, "daily", "decade", decade)
        assert cell["hit_rate_ci_low"] > 0.5, decade


def test_scorecard_cell_recomputed_with_regime_at_period_start(sample_warehouse):
    """Daily hedge_regime cell and monthly inflation_regime cell, rebuilt here from
    asset_returns and regime_daily: a period takes the regime of the business day before it
    starts (daily: the previous day; monthly: the last business day of the previous month)."""
    regimes = frame(
        sample_warehouse,
        "select calendar_date, hedge_regime, inflation_regime from marts.regime_daily",
    ).sort("calendar_date")
    previous_day = regimes.with_columns(
        pl.col("hedge_regime").shift(1).alias("regime_at_start")
    ).select(pl.col("calendar_date").alias("period_end"), "regime_at_start")
    daily = paired_returns(sample_warehouse, "daily").join(previous_day, on="period_end")
    cell = daily.filter(pl.col("regime_at_start") == "negative")
    rate, k, n = hit_rate(cell["stock"], cell["bond"])
    mart = scorecard_cell(sample_warehouse, "daily", "hedge_regime", "negative")
    assert (mart["stock_down_periods"], mart["bond_up_when_stock_down"]) == (n, k)
    assert mart["hit_rate"] == pytest.approx(rate, abs=1e-12)
    assert mart["periods"] == cell.height
    assert mart["correlation"] == pytest.approx(cell.select(pl.corr("bond", "stock")).item())

    month_end_regime = (
        regimes.with_columns(pl.col("calendar_date").dt.truncate("1mo").alias("month"))
        .group_by("month")
        .agg(pl.col("inflation_regime").sort_by("calendar_date").last().alias("regime"))
        .with_columns(pl.col("month").dt.offset_by("1mo"))
    )
    monthly = (
        paired_returns(sample_warehouse, "monthly")
        .with_columns(pl.col("period_end").dt.truncate("1mo").alias("month"))
        .join(month_end_regime, on="month")
    )
    cell = monthly.filter(pl.col("regime") == "high")
    rate, k, n = hit_rate(cell["stock"], cell["bond"])
    mart = scorecard_cell(sample_warehouse, "monthly", "inflation_regime", "high")
    assert (mart["periods"], mart["stock_down_periods"], mart["bond_up_when_stock_down"]) == (
        cell.height,
        n,
        k,
    )
    assert mart["mean_bond_return_when_stock_down"] == pytest.approx(
        cell.filter(pl.col("stock") < 0)["bond"].mean()
    )


@pytest.mark.parametrize("drawdown", PLANTED_DRAWDOWNS, ids=lambda d: d.name)
def test_planted_drawdowns_are_found_with_the_planted_bond_sign(sample_warehouse, drawdown):
    found = overlapping(episodes(sample_warehouse), drawdown.peak, drawdown.trough)
    assert found.height >= 1, f"{drawdown.name} not found in drawdown_episodes"
    deepest = found.row(0, named=True)
    # the planted peak and trough are pinned, so the episode is at least about that deep
    assert -1 < deepest["depth"] <= -0.9 * drawdown.depth, drawdown.name
    if drawdown.bond_return_sign is not None:
        bond = deepest["bond_return_peak_to_trough"]
        assert bond is not None and math.copysign(1, bond) == drawdown.bond_return_sign, (
            f"{drawdown.name}: ust_10y peak-to-trough return {bond}"
        )


def test_drawdown_episode_arithmetic(sample_warehouse):
    rows = episodes(sample_warehouse)
    levels = frame(
        sample_warehouse, "select calendar_date, spx_level from marts.regime_daily"
    ).sort("calendar_date")
    for episode in rows.iter_rows(named=True):
        window = levels.filter(
            pl.col("calendar_date").is_between(episode["peak_date"], episode["trough_date"])
        )
        assert window["spx_level"].max() == pytest.approx(episode["peak_level"])
        assert window["spx_level"].min() == pytest.approx(episode["trough_level"])
        assert episode["depth"] == pytest.approx(
            episode["trough_level"] / episode["peak_level"] - 1
        )
        assert episode["depth"] <= -0.10
        if episode["recovery_date"] is not None:
            before = levels.filter(
                pl.col("calendar_date").is_between(
                    episode["trough_date"], episode["recovery_date"], closed="left"
                )
            )
            assert before["spx_level"].max() < episode["peak_level"]
    # ust_10y peak-to-trough return is the product of its daily returns (checked on one episode)
    daily = paired_returns(sample_warehouse, "daily")
    gfc = overlapping(rows, date(2008, 9, 1), date(2008, 11, 1)).row(0, named=True)
    window = daily.filter(
        (pl.col("period_end") > gfc["peak_date"]) & (pl.col("period_end") <= gfc["trough_date"])
    )
    assert gfc["bond_return_peak_to_trough"] == pytest.approx((1 + window["bond"]).product() - 1)


def test_planted_sell_america_and_flight_to_quality_days(sample_warehouse):
    days = frame(
        sample_warehouse,
        "select calendar_date, sell_america_day, sell_america_reason, flight_to_quality_day "
        "from marts.regime_daily",
    )
    sell = days.filter(pl.col("calendar_date").is_in(list(SELL_AMERICA_DAYS)))
    assert sell.height == len(SELL_AMERICA_DAYS)
    assert sell["sell_america_day"].all()
    assert sell["sell_america_reason"].is_null().all()
    # the sample has the dollar index, so the flag is known on (almost) every day after it starts
    assert (
        days.filter(pl.col("calendar_date") >= date(2007, 1, 1))["sell_america_day"].null_count()
        <= 1
    )
    # crashes with a planted Treasury rally are flight-to-quality days; a planted day with
    # stocks and bonds both down is not
    rally_days = [
        m.day
        for m in PLANTED_MOVES
        if m.equity is not None and m.equity < -0.06 and (m.y10 or 0) < -0.1
    ]
    assert rally_days
    flagged = days.filter(pl.col("calendar_date").is_in(rally_days))
    assert flagged["flight_to_quality_day"].all(), flagged
    both_down = [m.day for m in PLANTED_MOVES if (m.equity or 0) < -0.03 and (m.y10 or 0) >= 0.2]
    assert not days.filter(pl.col("calendar_date").is_in(both_down))["flight_to_quality_day"].any()


def test_no_look_ahead_in_regime_inputs(sample_warehouse):
    rows = frame(
        sample_warehouse,
        """
        select r.calendar_date, r.cpi_reference_month, r.hedge_regime, r.correlation_252d,
               c.correlation as correlation_same_day
        from marts.regime_daily as r
        left join marts.rolling_correlations as c
          on c.as_of_date = r.calendar_date and c.frequency = 'daily'
         and c.window_periods = 252 and c.equity_asset_id = 'sp500' and c.bond_asset_id = 'ust_10y'
        order by r.calendar_date
        """,
    )
    with_cpi = rows.filter(pl.col("cpi_reference_month").is_not_null())
    assert with_cpi.height > 10_000
    # CPI of month m is used from month m+2 on (published mid m+1)
    assert (with_cpi["cpi_reference_month"].dt.offset_by("2mo") <= with_cpi["calendar_date"]).all()
    # the hedge regime's correlation is the previous business day's
    shifted = rows.with_columns(pl.col("correlation_same_day").shift(1).alias("previous"))
    known = shifted.filter(pl.col("previous").is_not_null())
    assert known.height > 10_000
    assert (known["correlation_252d"] - known["previous"]).abs().max() < 1e-12


def test_portfolio_60_40_is_monthly_rebalanced(sample_warehouse):
    months = frame(sample_warehouse, "select * from marts.portfolio_60_40").sort("period_end")
    balanced = months.filter(pl.col("portfolio_id") == "balanced")
    pairs = paired_returns(sample_warehouse, "monthly")
    joined = balanced.join(pairs, on="period_end")
    assert joined.height == balanced.height == pairs.height
    expected = 0.6 * joined["stock"] + 0.4 * joined["bond"]
    assert (joined["portfolio_return"] - expected).abs().max() < 1e-12
    wealth = (1 + joined["portfolio_return"]).cum_prod()
    assert (joined["wealth_index"] - wealth).abs().max() < 1e-9
    peak = wealth.cum_max().clip(lower_bound=1.0)
    assert (joined["drawdown"] - (wealth / peak - 1)).abs().max() < 1e-9
    last12 = joined["portfolio_return"].tail(12)
    assert joined["rolling_12m_volatility"][-1] == pytest.approx(last12.std() * math.sqrt(12))
    summary = frame(
        sample_warehouse,
        "select * from marts.portfolio_60_40_summary where regime_dimension = 'all'",
    )
    by_id = {row["portfolio_id"]: row for row in summary.iter_rows(named=True)}
    assert by_id["balanced"]["max_drawdown"] == pytest.approx(balanced["drawdown"].min())
    # a 60/40 portfolio is less volatile than equities alone
    assert (
        by_id["balanced"]["annualised_volatility"] < by_id["equity_only"]["annualised_volatility"]
    )


def test_hedge_monitor_one_row_with_outlook_rule(sample_warehouse):
    monitor = frame(sample_warehouse, "select * from marts.hedge_monitor_latest")
    assert monitor.height == 1
    row = monitor.row(0, named=True)
    real, breakeven, band = row["real_yield_10y_change_1m"], row["breakeven_10y_change_1m"], 0.001
    if real < -band and breakeven <= band:
        expected = "bonds likely hedge"
    elif real > band or breakeven > band:
        expected = "hedge at risk"
    else:
        expected = "mixed"
    assert row["outlook"] == expected
    assert row["outlook_reason"]
    assert row["missing_indicators"] is None
    assert -1 <= row["correlation_252d"] <= 1


def test_wilson_interval_matches_independent_formula_sample(sample_warehouse):
    _check_wilson(sample_warehouse)


def _check_wilson(warehouse):
    rows = frame(
        warehouse,
        "select stock_down_periods n, bond_up_when_stock_down k, hit_rate, "
        "hit_rate_ci_low, hit_rate_ci_high from marts.hedge_scorecard",
    )
    assert rows.height > 100
    checked = 0
    for n, k, rate, low, high in rows.iter_rows():
        if n == 0:
            assert rate is None and low is None and high is None
            continue
        expected_low, expected_high = wilson(k, n)
        assert low == pytest.approx(expected_low, abs=1e-9)
        assert high == pytest.approx(expected_high, abs=1e-9)
        assert low <= rate <= high
        checked += 1
    assert checked > 100


# ------------------------------------------------------------------------------ real data


@pytest.mark.realdata
def test_real_2008_and_2022_drawdowns(real_warehouse):
    rows = episodes(real_warehouse)
    gfc = overlapping(rows, date(2008, 1, 1), date(2008, 12, 31)).row(0, named=True)
    shock = overlapping(rows, date(2022, 1, 1), date(2022, 12, 31)).row(0, named=True)
    assert gfc["depth"] < -0.45 and gfc["peak_date"].year == 2007
    assert shock["depth"] < -0.2 and shock["peak_date"].year == 2022
    assert gfc["bond_return_peak_to_trough"] > 0, "Treasuries hedged the 2008 crash"
    assert shock["bond_return_peak_to_trough"] < 0, "Treasuries fell with stocks in 2022"
    assert gfc["is_recovered"] and shock["is_recovered"]


@pytest.mark.realdata
def test_real_build_without_dollar_index(real_warehouse):
    flags = frame(
        real_warehouse,
        "select count(*) n, count(sell_america_day) known, "
        "count(*) filter (where sell_america_reason like '%DTWEXBGS%') explained, "
        "count(hedge_regime) hedge, count(flight_to_quality_day) ftq from marts.regime_daily",
    ).row(0, named=True)
    assert flags["n"] > 20_000
    assert flags["known"] == 0
    assert flags["explained"] == flags["n"]
    assert flags["hedge"] > 10_000 and flags["ftq"] > 10_000
    for mart in (
        "hedge_scorecard",
        "drawdown_episodes",
        "portfolio_60_40",
        "portfolio_60_40_summary",
    ):
        assert frame(real_warehouse, f"select count(*) n from marts.{mart}")["n"][0] > 0, mart
    monitor = frame(real_warehouse, "select * from marts.hedge_monitor_latest")
    assert monitor.height == 1
    assert monitor["sell_america_day"][0] is None
    assert "DTWEXBGS" in monitor["sell_america_reason"][0]
    assert monitor["data_source"][0] == "csv"


@pytest.mark.realdata
def test_real_hit_rate_recomputed_from_asset_returns(real_warehouse):
    pairs = paired_returns(real_warehouse, "monthly")
    rate, k, n = hit_rate(pairs["stock"], pairs["bond"])
    mart = scorecard_cell(real_warehouse, "monthly", "all", "all")
    assert (mart["periods"], mart["stock_down_periods"], mart["bond_up_when_stock_down"]) == (
        pairs.height,
        n,
        k,
    )
    assert mart["hit_rate"] == pytest.approx(rate, abs=1e-12)
    assert (mart["hit_rate_ci_low"], mart["hit_rate_ci_high"]) == pytest.approx(wilson(k, n))
    down = pairs.filter(pl.col("stock") < 0)
    assert mart["median_bond_return_when_stock_down"] == pytest.approx(down["bond"].median())
    assert mart["correlation"] == pytest.approx(pairs.select(pl.corr("bond", "stock")).item())
    for decade, first in (("2000s", 2000), ("2020s", 2020)):
        cell = pairs.filter(pl.col("period_end").dt.year().is_between(first, first + 9))
        rate, k, n = hit_rate(cell["stock"], cell["bond"])
        mart = scorecard_cell(real_warehouse, "monthly", "decade", decade)
        assert mart["hit_rate"] == pytest.approx(rate, abs=1e-12), decade
        assert mart["stock_down_periods"] == n


@pytest.mark.realdata
def test_real_treasuries_hedged_before_2022_not_after(real_warehouse):
    pairs = paired_returns(real_warehouse, "monthly")
    before = pairs.filter(pl.col("period_end").is_between(date(2000, 1, 1), date(2021, 12, 31)))
    after = pairs.filter(pl.col("period_end") >= date(2022, 1, 1))
    rate_before, *_ = hit_rate(before["stock"], before["bond"])
    rate_after, *_ = hit_rate(after["stock"], after["bond"])
    assert rate_before > 0.5 > rate_after
    assert before.filter(pl.col("stock") < 0)["bond"].mean() > 0
    assert after.filter(pl.col("stock") < 0)["bond"].mean() < 0


@pytest.mark.realdata
def test_wilson_interval_matches_independent_formula_real(real_warehouse):
    _check_wilson(real_warehouse)


# ------------------------------------------------------------------------------ dated history
# Regimes against dates written here (FOMC decisions, NBER recessions, known crashes), on the
# real FRED-format history. Each cycle: (first move, last move).
HIKING_CYCLES = [
    ("1994-02-04", "1995-02-01"),
    ("2004-06-30", "2006-06-29"),
    ("2015-12-16", "2018-12-19"),
    ("2022-03-16", "2023-07-26"),
]
EASING_CYCLES = [
    ("2001-01-03", "2001-12-11"),
    ("2007-09-18", "2008-12-16"),
    ("2019-07-31", "2019-10-30"),
    ("2020-03-03", "2020-03-15"),
    ("2024-09-18", "2025-12-10"),
]


@pytest.fixture(scope="module")
def real_regimes(real_warehouse) -> pl.DataFrame:
    return frame(
        real_warehouse,
        "select calendar_date, policy_regime, risk_off, credit_stress, credit_stress_basis, "
        "hedge_regime, hedge_regime_252d, correlation_63d, correlation_252d "
        "from marts.regime_daily order by calendar_date",
    )


def _between(df: pl.DataFrame, start: str, end: str) -> pl.DataFrame:
    return df.filter(
        pl.col("calendar_date").is_between(date.fromisoformat(start), date.fromisoformat(end))
    )


@pytest.mark.realdata
@pytest.mark.parametrize(
    ("label", "first", "last"),
    [("tightening", *c) for c in HIKING_CYCLES] + [("easing", *c) for c in EASING_CYCLES],
)
def test_real_policy_regime_matches_dated_cycles(real_regimes, label, first, last):
    """Labelled within one month of the cycle's first move, and on most days to its last move."""
    start = date.fromisoformat(first)
    data_end = real_regimes.filter(pl.col("policy_regime").is_not_null())["calendar_date"].max()
    first_labelled = real_regimes.filter(
        (pl.col("calendar_date") >= start) & (pl.col("policy_regime") == label)
    )["calendar_date"].min()
    assert first_labelled is not None and (first_labelled - start).days <= 31, first_labelled
    span_end = min(max(date.fromisoformat(last), start.replace(day=28)), data_end)
    span = _between(real_regimes, str(start + (first_labelled - start)), str(span_end))
    share = (span["policy_regime"] == label).mean()
    assert share > 0.6, f"{label} {first}..{last}: {share:.0%}"


@pytest.mark.realdata
def test_real_risk_off_is_a_fresh_shock(real_regimes):
    """Not true through the 1950s recovery or calm 2013-14; true in the 1987, 2001, 2008, 2020
    and 2022 shocks."""
    for start, end, most in (("1950-01-01", "1954-12-31", 0.05), ("2013-01-01", "2014-12-31", 0.1)):
        days = _between(real_regimes, start, end)["risk_off"].drop_nulls()
        assert days.len() > 400 and days.mean() < most, (start, days.mean())
    for day in ("1987-10-20", "2001-09-17", "2008-10-15", "2020-03-16", "2022-06-16"):
        (flag,) = _between(real_regimes, day, day)["risk_off"].to_list()
        assert flag is True, day


@pytest.mark.realdata
def test_real_credit_stress_relative_to_the_spreads_history(real_regimes):
    """1990-91 and 2001-02 register (a fixed 3 % Baa threshold missed 1990-91); 2013-14 calm."""
    for start, end, least in (
        ("1990-07-01", "1991-03-31", 0.25),
        ("2001-03-01", "2002-10-31", 0.25),
        ("2008-09-15", "2009-03-31", 0.8),
    ):
        days = _between(real_regimes, start, end)["credit_stress"].drop_nulls()
        assert days.len() > 100 and days.mean() > least, (start, days.mean())
    calm = _between(real_regimes, "2013-01-01", "2014-12-31")["credit_stress"].drop_nulls()
    assert calm.len() > 400 and calm.mean() < 0.05
    basis = _between(real_regimes, "1990-07-01", "1991-03-31")["credit_stress_basis"]
    assert set(basis.drop_nulls()) == {"baa_spread"}


@pytest.mark.realdata
def test_real_hedge_regime_turns_positive_in_2022(real_regimes):
    """The 63-day correlation reads 2022 positive by its third quarter; 252-day stayed neutral."""
    first_positive = real_regimes.filter(
        (pl.col("calendar_date") >= date(2022, 1, 1)) & (pl.col("hedge_regime") == "positive")
    )["calendar_date"].min()
    assert first_positive is not None and first_positive <= date(2022, 9, 30)
    q4 = _between(real_regimes, "2022-10-01", "2022-12-31")
    assert (q4["hedge_regime"] == "positive").mean() > 0.5
    assert q4["correlation_252d"].is_not_null().all()
    # the slow regime, kept as a column, lags it
    assert (
        _between(real_regimes, "2022-07-01", "2022-12-31")["hedge_regime_252d"] != "positive"
    ).all()


def test_hedge_regime_reads_the_previous_days_63_day_correlation(sample_warehouse):
    rows = frame(
        sample_warehouse,
        """
        select r.calendar_date, r.correlation_63d, r.hedge_regime, c.correlation as same_day
        from marts.regime_daily as r
        left join marts.rolling_correlations as c
          on c.as_of_date = r.calendar_date and c.frequency = 'daily'
         and c.window_periods = 63 and c.equity_asset_id = 'sp500' and c.bond_asset_id = 'ust_10y'
        order by r.calendar_date
        """,
    ).with_columns(pl.col("same_day").shift(1).alias("previous"))
    known = rows.filter(pl.col("previous").is_not_null())
    assert known.height > 10_000
    assert (known["correlation_63d"] - known["previous"]).abs().max() < 1e-12
    expected = [
        "negative" if c < -0.2 else "positive" if c > 0.2 else "neutral"
        for c in known["correlation_63d"]
    ]
    assert expected == known["hedge_regime"].to_list()
