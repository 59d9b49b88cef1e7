"""Roll-down repricing (int_curve_slopes_daily, `bond_repricing_method`).

* structure (sample and real): the roll-down yield change is -dt x the slope between the
  bracketing tenors, recomputed from the aligned observations; none where no shorter tenor
  exists; the constant-maturity var switches it off;
* real data: ust_10y vs IEF and ust_30y vs TLT (complete months 2003-2025), mean return gap and
  tracking error with and without roll-down, printed for the closing note; the gap to IEF
  must shrink.
"""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import polars as pl
import pytest

from tests.support import SHARED_REAL_DIR, query, run_dbt
from tests.test_marts_returns import read_etf_monthly

CONSTANT_MATURITY = "{bond_repricing_method: constant_maturity}"
RETURN_MODELS = (
    "int_asset_returns_daily",
    "int_cash_returns_daily",
    "int_asset_returns_periodic",
    "int_asset_returns",
    "asset_returns",
)


@pytest.fixture(params=["sample_warehouse", "real_warehouse"])
def warehouse(request) -> Path:
    return request.getfixturevalue(request.param)


def test_roll_down_is_the_interpolated_yield_of_the_shortened_maturity(warehouse):
    """Independent recomputation from int_observations_daily: for ust_10y the end yield is
    DGS10 - dt x (DGS10 - DGS7) / 3 on the day (DGS5 before DGS7 starts in 1969); for ust_3m
    the 1-month bill sets the slope, and there is no roll-down before DGS1MO exists."""
    worst, n = query(
        warehouse,
        """
        with o as (select series_id, calendar_date, value from intermediate.int_observations_daily),
        r as (select * from intermediate.int_asset_returns_daily where asset_id = 'ust_10y')
        select max(abs(r.roll_down_yield_change
                       - (-r.elapsed_years * (y10.value - coalesce(y7.value, y5.value))
                          / (10 - case when y7.value is null then 5 else 7 end)))),
               count(*)
        from r
        inner join o as y10 on y10.series_id = 'DGS10' and y10.calendar_date = r.calendar_date
        left join o as y7 on y7.series_id = 'DGS7' and y7.calendar_date = r.calendar_date
        left join o as y5 on y5.series_id = 'DGS5' and y5.calendar_date = r.calendar_date
        where r.total_return is not null
        """,
    )[0]
    assert n > 5000
    assert worst < 1e-15
    # end yield = the tenor's own yield plus the roll-down change
    assert (
        query(
            warehouse,
            """
        select max(abs(r.end_yield - (o.value + coalesce(r.roll_down_yield_change, 0))))
        from intermediate.int_asset_returns_daily as r
        inner join intermediate.int_observations_daily as o
            on o.series_id = 'DGS30' and o.calendar_date = r.calendar_date
        where r.asset_id = 'ust_30y' and r.total_return is not null
        """,
        )[0][0]
        < 1e-15
    )
    first_1m = query(
        warehouse,
        "select min(calendar_date) from intermediate.int_observations_daily "
        "where series_id = 'DGS1MO'",
    )[0][0]
    before, after = query(
        warehouse,
        """
        select count(roll_down_yield_change) filter (where calendar_date < ?),
               count(roll_down_yield_change) filter (where calendar_date > ?)
        from intermediate.int_asset_returns_daily where asset_id = 'ust_3m'
        """,
        [first_1m, first_1m],
    )[0]
    assert before == 0 and after > 1000


def test_constant_maturity_var_switches_roll_down_off(sample_warehouse, tmp_path):
    """The documented var: rebuilt with constant_maturity, no row has a roll-down change and the
    10-year's end yield is DGS10 itself; on an upward-sloping curve roll-down earns more."""
    copy = tmp_path / sample_warehouse.name  # same file name: views name the catalog
    shutil.copy(sample_warehouse, copy)
    run_dbt(copy, tmp_path, "run", "--select", *RETURN_MODELS, "--vars", CONSTANT_MATURITY)
    assert (
        query(
            copy,
            "select count(roll_down_yield_change) from intermediate.int_asset_returns_daily",
        )[0][0]
        == 0
    )
    rolled, flat = (
        query(
            w,
            """
            select avg(r.total_return) from intermediate.int_asset_returns_daily as r
            inner join intermediate.int_observations_daily as o7
                on o7.series_id = 'DGS7' and o7.calendar_date = r.calendar_date
            inner join intermediate.int_observations_daily as o10
                on o10.series_id = 'DGS10' and o10.calendar_date = r.calendar_date
            where r.asset_id = 'ust_10y' and o10.value > o7.value
            """,
        )[0][0]
        for w in (sample_warehouse, copy)
    )
    assert rolled > flat


def etf_figures(warehouse: Path, ticker: str, asset_id: str) -> dict[str, float]:
    """Complete months 2003-2025: correlation, mean monthly gap x 12 and the tracking error
    (standard deviation of the monthly gap x sqrt 12), in decimals a year."""
    etf = read_etf_monthly(ticker).with_columns(pl.col("month").dt.truncate("1mo"))
    mart = pl.DataFrame(
        query(
            warehouse,
            """
            select date_trunc('month', period_end)::date, total_return from marts.asset_returns
            where asset_id = ? and frequency = 'monthly' and is_complete_period
              and year(period_end) between 2003 and 2025
            """,
            [asset_id],
        ),
        schema=["month", "total_return"],
        orient="row",
    )
    joined = mart.join(etf, on="month").drop_nulls()
    gap = joined["total_return"] - joined["etf_return"]
    return {
        "n": joined.height,
        "corr": joined.select(pl.corr("total_return", "etf_return")).item(),
        "mean_gap": gap.mean() * 12,
        "tracking_error": gap.std() * math.sqrt(12),
    }


@pytest.mark.realdata
@pytest.mark.slow
def test_roll_down_against_ief_and_tlt(real_warehouse, tmp_path):
    """Published series: IEF and TLT adjusted closes (dividends reinvested), complete months
    2003-2025. Roll-down must shrink the mean gap to IEF (7-10 year, the 10-year's peer) and
    keep tracking error and correlation; figures printed for the closing note."""
    if not (SHARED_REAL_DIR / "jmlestevez-source__taa-dashboard" / "IEF.csv").is_file():
        pytest.skip("ETF files not present")
    copy = tmp_path / real_warehouse.name  # same file name: views name the catalog
    shutil.copy(real_warehouse, copy)
    run_dbt(copy, tmp_path, "run", "--select", *RETURN_MODELS, "--vars", CONSTANT_MATURITY)
    figures = {}
    for ticker, asset_id in (("IEF", "ust_10y"), ("TLT", "ust_30y")):
        before = etf_figures(copy, ticker, asset_id)
        after = etf_figures(real_warehouse, ticker, asset_id)
        figures[ticker] = (before, after)
        print(
            f"\n{asset_id} vs {ticker} (n={after['n']} months): mean gap "
            f"{before['mean_gap'] * 100:+.2f} -> {after['mean_gap'] * 100:+.2f} pp/yr, "
            f"tracking error {before['tracking_error'] * 100:.2f} -> "
            f"{after['tracking_error'] * 100:.2f} pp/yr, correlation {after['corr']:.3f}"
        )
        assert after["n"] > 250
        assert after["corr"] > 0.98
        assert after["tracking_error"] < before["tracking_error"] + 0.001
    ief_before, ief_after = figures["IEF"]
    assert abs(ief_after["mean_gap"]) < abs(ief_before["mean_gap"])
    # documented figures (docs/marts_returns.md, roll_down_method)
    assert ief_before["mean_gap"] == pytest.approx(-0.0050, abs=0.0005)
    assert ief_after["mean_gap"] == pytest.approx(0.0029, abs=0.0005)
