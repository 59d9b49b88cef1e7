"""Excess return over cash (asset_returns.excess_return, calendar_year_returns.excess_return).

* structure (sample and real): excess = total - the bill's return over the same days, at
  every frequency; the bill's own excess is 0; NULL only where there is no bill;
* real data: the bill's annual return recomputed independently from the raw DGS3MO / DTB3
  CSV files with a Python cash-flow loop, and the mart's excess equal to the mart's total
  minus that independent figure.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest

from tests.support import SHARED_CSV_DIR, query


@pytest.fixture(params=["sample_warehouse", "real_warehouse"])
def warehouse(request) -> Path:
    return request.getfixturevalue(request.param)


def test_daily_excess_is_total_minus_the_bill_of_the_same_day(warehouse):
    """Daily rows: excess = total - ust_3m's total of the same day wherever the bill is the
    DGS3MO asset; the DTB3 days use the fallback bill (checked against raw data below)."""
    worst, n, missing = query(
        warehouse,
        """
        with bill as (
            select period_end, total_return as bill_return from marts.asset_returns
            where asset_id = 'ust_3m' and frequency = 'daily' and total_return is not null
        )
        select max(abs(r.excess_return - (r.total_return - bill.bill_return))),
               count(*),
               count(*) filter (where r.total_return is not null and r.excess_return is null)
        from marts.asset_returns as r
        inner join bill using (period_end)
        where r.frequency = 'daily' and r.total_return is not null
        """,
    )[0]
    assert n > 10_000
    assert worst < 1e-15
    assert missing == 0


def test_period_excess_compounds_the_bill_over_the_same_days(warehouse):
    """Weekly, monthly and yearly: recompute the bill's compounded return over the period's
    days from the daily cash model and subtract it from the period's total return."""
    worst = query(
        warehouse,
        """
        with periods as (
            select asset_id, frequency, period_start, period_end, total_return, excess_return
            from marts.asset_returns where frequency in ('weekly', 'monthly')
            union all
            select asset_id, 'yearly', first_trading_day, last_trading_day, total_return,
                   excess_return
            from marts.calendar_year_returns
        ),
        daily as (
            select asset_id, period_end as d from marts.asset_returns
            where frequency = 'daily' and total_return is not null
        ),
        recomputed as (
            select p.asset_id, p.frequency, p.period_end,
                   any_value(p.total_return) - (product(1 + c.cash_return) - 1) as check_excess,
                   any_value(p.excess_return) as mart_excess
            from periods as p
            inner join daily on daily.asset_id = p.asset_id
                and daily.d between p.period_start and p.period_end
            inner join intermediate.int_cash_returns_daily as c on c.calendar_date = daily.d
            where p.excess_return is not null
            group by all
        )
        select max(abs(mart_excess - check_excess)), count(*) from recomputed
        """,
    )[0]
    assert worst[1] > 1000
    assert worst[0] < 1e-12
    # the bill earns exactly cash: its excess is 0 at every frequency from DGS3MO's start
    assert (
        query(
            warehouse,
            """
        select max(abs(excess_return)) from marts.asset_returns
        where asset_id = 'ust_3m' and excess_return is not null
        """,
        )[0][0]
        < 1e-15
    )


def test_excess_is_null_only_where_no_bill_exists(warehouse):
    """A period with a total return has an excess return iff every one of its days has a
    bill return; days before the first bill (DTB3 1954 / the sample's first day) have none."""
    first_cash = query(
        warehouse, "select min(calendar_date) from intermediate.int_cash_returns_daily"
    )[0][0]
    bad = query(
        warehouse,
        """
        select count(*) from marts.asset_returns
        where total_return is not null and excess_return is null and period_start > ?
          and period_end <= (select max(calendar_date) from intermediate.int_cash_returns_daily)
        """,
        [first_cash],
    )[0][0]
    assert bad == 0


# --- real data: the bill recomputed from the raw CSV files -----------------------------------


def read_fred_csv(series_id: str) -> pl.DataFrame:
    frame = pl.read_csv(SHARED_CSV_DIR / f"{series_id}.csv", infer_schema=False)
    return (
        frame.select(
            pl.col("observation_date").str.to_date().alias("date"),
            pl.col(series_id).cast(pl.Float64, strict=False).alias("value"),
        )
        .drop_nulls()
        .sort("date")
    )


def python_bill_year(rates: pl.DataFrame, year: int, discount_basis: bool) -> float:
    """Calendar-year return of a 3-month bill re-bought every print date: one cash flow of 100
    at 0.25 years, repriced at the next print's yield at 0.25 - dt years, on the
    bond-equivalent basis; a discount rate d is first converted, y = 365 d / (360 - 91 d)."""
    rows = rates.filter(pl.col("date") < date(year + 1, 1, 1))
    start = rows.filter(pl.col("date") < date(year, 1, 1)).tail(1)
    rows = pl.concat([start, rows.filter(pl.col("date") >= date(year, 1, 1))])
    wealth, previous = 1.0, None
    for day, pct in rows.iter_rows():
        y = pct / 100
        if discount_basis:
            y = 365 * y / (360 - 91 * y)
        if previous is not None:
            d0, y0 = previous
            dt = (day - d0).days / 365.25
            wealth *= (1 + y / 2) ** (-2 * (0.25 - dt)) / (1 + y0 / 2) ** (-2 * 0.25)
        previous = (day, y)
    return wealth - 1


@pytest.mark.realdata
def test_ten_year_excess_equals_total_minus_an_independent_bill(real_warehouse):
    """Independent calculation: the bill's annual return from the raw DGS3MO CSV (from 1982)
    and, before DGS3MO exists, from the raw DTB3 CSV (discount basis converted); the mart's
    ust_10y excess must equal its total minus that, to 1 bp (the mart steps over the joint
    business calendar, ~1e-6 a holiday)."""
    dgs3mo, dtb3 = read_fred_csv("DGS3MO"), read_fred_csv("DTB3")
    cases = [(y, dgs3mo, False) for y in (1985, 1994, 2008, 2020, 2022, 2024)]
    cases += [(y, dtb3, True) for y in (1965, 1974, 1980)]
    for year, rates, discount in cases:
        total, excess = query(
            real_warehouse,
            "select total_return, excess_return from marts.calendar_year_returns "
            "where asset_id = 'ust_10y' and year = ?",
            [year],
        )[0]
        assert total - excess == pytest.approx(python_bill_year(rates, year, discount), abs=1e-4)
    # the bill used each day is stated, and switches once, when DGS3MO starts
    spans = dict(
        (s, (lo, hi))
        for s, lo, hi in query(
            real_warehouse,
            "select cash_series_id, min(calendar_date), max(calendar_date) "
            "from intermediate.int_cash_returns_daily group by 1",
        )
    )
    assert spans["DTB3"][1] < spans["DGS3MO"][0] == date(1981, 9, 2)
    # where both bills exist they agree on the annual return (measured 1982-2024: mean
    # -0.9 bp, at most 8.7 bp), so splicing them does not shift the series
    for year in (1990, 2000, 2010, 2019, 2024):
        assert python_bill_year(dtb3, year, True) == pytest.approx(
            python_bill_year(dgs3mo, year, False), abs=0.001
        )


@pytest.mark.realdata
def test_excess_return_removes_carry_from_the_ten_year_hit_rate(real_warehouse):
    """Monthly 1981-2024: the 10-year rose in more of the sp500's down months on total return
    than on excess return (carry counts as a hedge win only on total return). Recomputed
    here from the mart's monthly rows; figures in docs/marts_returns.md."""
    n, hit_total, hit_excess = query(
        real_warehouse,
        """
        with s as (select period_end, total_return as r from marts.asset_returns
                   where asset_id = 'sp500' and frequency = 'monthly' and is_complete_period),
             b as (select period_end, total_return as r, excess_return as x
                   from marts.asset_returns
                   where asset_id = 'ust_10y' and frequency = 'monthly' and is_complete_period)
        select count(*), avg((b.r > 0)::int), avg((b.x > 0)::int)
        from s inner join b using (period_end)
        where s.r < 0 and year(period_end) between 1981 and 2024
        """,
    )[0]
    assert n > 150
    assert hit_excess < hit_total - 0.03
