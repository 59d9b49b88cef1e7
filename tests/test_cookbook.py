"""The SQL cookbook (docs/cookbook/*.sql) against a file published from the sample.

Every recipe must run read-only against the published file, return rows and exactly the
columns the cookbook documents; a few answers are recomputed here independently, with polars,
from the lowest-level mart (``marts.asset_returns``) rather than from the mart the recipe reads.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

import duckdb
import numpy as np
import polars as pl
import pytest

from ingestion.catalog import PROJECT_ROOT

COOKBOOK = PROJECT_ROOT / "docs" / "cookbook.md"
RECIPES = PROJECT_ROOT / "docs" / "cookbook"

EXPECTED_COLUMNS = {
    "01_did_bonds_hedge_in_each_drawdown": [
        "episode_id",
        "peak_date",
        "trough_date",
        "recovery_date",
        "sp500_drawdown",
        "business_days_peak_to_trough",
        "ust_2y_return",
        "ust_10y_return",
        "tips_10y_return",
        "ig_credit_return",
        "bonds_that_rose",
        "bonds_with_data",
        "inflation_regime_at_peak",
        "hedge_regime_at_peak",
        "data_source",
    ],
    "02_current_regime_and_what_to_watch": [
        "as_of_date",
        "outlook",
        "outlook_reason",
        "hedge_regime_current",
        "correlation_252d",
        "inflation_regime",
        "cpi_yoy",
        "policy_regime",
        "fed_funds",
        "fed_funds_change_1m",
        "ust_10y_yield",
        "ust_10y_yield_change_1m",
        "real_yield_10y",
        "real_yield_10y_change_1m",
        "breakeven_10y",
        "breakeven_10y_change_1m",
        "curve_10y_2y",
        "curve_inverted",
        "credit_stress",
        "hy_oas",
        "vix",
        "risk_off",
        "spx_drawdown",
        "missing_indicators",
        "data_source",
    ],
    "03_hit_rate_by_decade": [
        "decade",
        "bond_asset_id",
        "down_months",
        "bond_up_months",
        "hit_rate",
        "hit_rate_ci_low",
        "hit_rate_ci_high",
        "mean_bond_return_when_stock_down",
        "correlation",
        "data_source",
    ],
    "04_hit_rate_by_inflation_regime_and_tenor": [
        "inflation_regime",
        "bond_asset_id",
        "asset_class",
        "maturity_years",
        "down_months",
        "hit_rate",
        "hit_rate_ci_low",
        "hit_rate_ci_high",
        "mean_bond_return_when_stock_down",
        "correlation",
        "data_source",
    ],
    "05_which_bonds_hedged_in_2022": [
        "asset_id",
        "asset_name",
        "asset_class",
        "return_2022",
        "sp500_return_2022",
        "hedged_in_2022",
        "return_in_2022_drawdown",
        "trading_days",
        "is_complete_year",
        "data_source",
    ],
    "06_2008_vs_2022_calendar_year_returns": [
        "asset_id",
        "asset_name",
        "asset_class",
        "return_2008",
        "return_2022",
        "change_2022_minus_2008",
        "return_basis",
        "data_source",
    ],
    "07_rolling_correlation_now_vs_history": [
        "bond_asset_id",
        "as_of_date",
        "correlation_now",
        "history_median",
        "history_min",
        "history_max",
        "percentile_of_now",
        "share_of_days_negative",
        "history_start",
        "history_days",
    ],
    "08_60_40_vs_stocks_worst_months": [
        "period_end",
        "sp500_return",
        "ust_10y_return",
        "portfolio_60_40_return",
        "cushion",
        "bonds_rose",
        "sp500_drawdown",
        "portfolio_60_40_drawdown",
        "data_source",
    ],
    "09_breakeven_vs_real_yield_moves": [
        "driver",
        "months",
        "sp500_down_months",
        "ust_10y_hit_rate",
        "ust_10y_mean_return_when_sp500_down",
        "tips_10y_mean_return_when_sp500_down",
        "mean_real_yield_change",
        "mean_breakeven_change",
    ],
    "10_hit_rate_by_era_with_intervals": [
        "era",
        "bond_asset_id",
        "months",
        "down_months",
        "bond_up_months",
        "hit_rate",
        "hit_rate_ci_low",
        "hit_rate_ci_high",
        "hit_rate_wilson_low",
        "hit_rate_wilson_high",
        "excess_hit_rate",
        "mean_bond_return_when_sp500_down",
        "correlation",
        "correlation_ci_low",
        "correlation_ci_high",
        "previous_era",
        "hit_rate_p_vs_previous_era",
        "verdict",
        "first_month",
        "last_month",
    ],
    "11_flight_to_quality_and_sell_america_days": [
        "year",
        "business_days",
        "sp500_down_days",
        "flight_to_quality_days",
        "sell_america_days",
        "days_with_sell_america_inputs",
        "mean_correlation_252d",
        "most_common_hedge_regime",
        "most_common_inflation_regime",
        "data_source",
    ],
    "13_hit_rate_on_total_vs_excess_return": [
        "bond_asset_id",
        "down_months",
        "hit_rate_total",
        "hit_rate_excess",
        "mean_total_return_when_down",
        "mean_excess_return_when_down",
        "first_month",
        "last_month",
        "data_source",
    ],
    "14_markov_hedge_regime_now_and_history": [
        "year",
        "months",
        "mean_filtered_probability_failing",
        "mean_smoothed_probability_failing",
        "months_filtered_failing",
        "working_beta",
        "failing_beta",
        "working_expected_months",
        "failing_expected_months",
        "converged",
    ],
    "15_correlation_by_vix_bucket": [
        "era",
        "vix_bucket",
        "days",
        "stock_down_days",
        "hit_rate",
        "correlation",
        "beta",
        "mean_previous_vix",
        "first_day",
        "last_day",
    ],
    "12_is_this_real_data": [
        "published_at",
        "run_id",
        "data_source",
        "is_synthetic",
        "data_source_label",
        "tables",
        "total_rows",
        "market_data_as_of",
        "calendar_through",
    ],
}

RECIPE_FILES = sorted(RECIPES.glob("*.sql"))


def run(published: Path, name: str) -> pl.DataFrame:
    sql = (RECIPES / f"{name}.sql").read_text()
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql).pl()


def table(published: Path, sql: str) -> pl.DataFrame:
    with duckdb.connect(str(published), read_only=True) as con:
        return con.execute(sql).pl()


@pytest.fixture(scope="module")
def returns(published_sample) -> pl.DataFrame:
    """marts.asset_returns with usable total returns: the base of every recomputation."""
    frame = table(
        published_sample,
        "select asset_id, frequency, period_end, total_return, excess_return, is_complete_period "
        "from marts.asset_returns",
    )
    return frame.filter(pl.col("total_return").is_not_null() & pl.col("total_return").is_not_nan())


def monthly_pairs(returns: pl.DataFrame, bonds: list[str]) -> pl.DataFrame:
    monthly = returns.filter((pl.col("frequency") == "monthly") & pl.col("is_complete_period"))
    stock = monthly.filter(pl.col("asset_id") == "sp500").select(
        "period_end", pl.col("total_return").alias("stock")
    )
    bond = monthly.filter(pl.col("asset_id").is_in(bonds)).select(
        "asset_id", "period_end", pl.col("total_return").alias("bond")
    )
    return bond.join(stock, on="period_end", how="inner")


# ------------------------------------------------------------------------------ structure


def test_cookbook_has_at_least_eight_recipes_all_documented():
    assert len(RECIPE_FILES) >= 8
    names = [f.stem for f in RECIPE_FILES]
    assert sorted(names) == sorted(EXPECTED_COLUMNS), "a recipe without expected columns"
    text = COOKBOOK.read_text()
    for f in RECIPE_FILES:
        assert f"cookbook/{f.name}" in text, f"{f.name} is not linked from docs/cookbook.md"
        assert re.match(r"\d\d_[a-z0-9_]+\.sql$", f.name)
        first = f.read_text().splitlines()[0]
        assert first.startswith("-- "), f"{f.name} should open with the question it answers"


@pytest.mark.parametrize("name", [f.stem for f in RECIPE_FILES])
def test_recipe_runs_read_only_and_returns_its_columns(published_sample, name):
    frame = run(published_sample, name)
    assert frame.columns == EXPECTED_COLUMNS[name]
    assert frame.height > 0, f"{name} returned no rows on the sample"
    if "data_source" in frame.columns:
        assert set(frame["data_source"].drop_nulls()) == {"sample"}


# ------------------------------------------------------------------------------ semantics


def test_hit_rate_by_decade_matches_a_recount_of_monthly_returns(published_sample, returns):
    recipe = run(published_sample, "03_hit_rate_by_decade")
    pairs = monthly_pairs(returns, ["ust_2y", "ust_10y", "ust_30y"])
    recount = (
        pairs.filter(pl.col("stock") < 0)
        .with_columns(
            ((pl.col("period_end").dt.year() // 10 * 10).cast(pl.String) + "s").alias("decade")
        )
        .group_by("decade", "asset_id")
        .agg(pl.len().alias("down"), (pl.col("bond") > 0).sum().alias("up"))
    )
    joined = recipe.join(
        recount,
        left_on=["decade", "bond_asset_id"],
        right_on=["decade", "asset_id"],
        how="full",
        coalesce=True,
    )
    assert joined.height == recipe.height == recount.height
    for row in joined.iter_rows(named=True):
        assert row["down_months"] == row["down"], row
        assert row["bond_up_months"] == row["up"], row
        assert row["hit_rate"] == pytest.approx(row["up"] / row["down"], abs=6e-5)
        assert row["hit_rate_ci_low"] <= row["hit_rate"] <= row["hit_rate_ci_high"]


def test_drawdown_bond_returns_match_compounded_daily_returns(published_sample, returns):
    recipe = run(published_sample, "01_did_bonds_hedge_in_each_drawdown")
    daily = returns.filter((pl.col("frequency") == "daily") & (pl.col("asset_id") == "ust_10y"))
    checked = 0
    for row in recipe.iter_rows(named=True):
        if row["ust_10y_return"] is None:
            continue
        window = daily.filter(
            (pl.col("period_end") > row["peak_date"]) & (pl.col("period_end") <= row["trough_date"])
        )
        compounded = (window["total_return"] + 1).product() - 1
        assert row["ust_10y_return"] == pytest.approx(compounded, abs=6e-5), row["episode_id"]
        checked += 1
        assert row["peak_date"] < row["trough_date"]
        assert -1 < row["sp500_drawdown"] < 0
    assert checked >= 5


def test_2022_returns_match_compounded_daily_returns(published_sample, returns):
    recipe = run(published_sample, "05_which_bonds_hedged_in_2022")
    recount = (
        returns.filter((pl.col("frequency") == "daily") & (pl.col("period_end").dt.year() == 2022))
        .group_by("asset_id")
        .agg(((pl.col("total_return") + 1).product() - 1).alias("compounded"))
    )
    by_asset = dict(recount.iter_rows())
    assert {"ust_10y", "ust_2y", "tips_10y"} <= set(recipe["asset_id"])
    assert "sp500" not in set(recipe["asset_id"])
    for row in recipe.iter_rows(named=True):
        assert row["return_2022"] == pytest.approx(by_asset[row["asset_id"]], abs=6e-5)
        assert row["hedged_in_2022"] == (row["return_2022"] > 0)
        assert row["sp500_return_2022"] == pytest.approx(by_asset["sp500"], abs=6e-5)
    assert recipe["return_2022"].to_list() == sorted(recipe["return_2022"], reverse=True)


def test_correlation_now_matches_a_recomputed_252_day_window(published_sample, returns):
    recipe = run(published_sample, "07_rolling_correlation_now_vs_history")
    row = recipe.filter(pl.col("bond_asset_id") == "ust_10y").row(0, named=True)
    daily = returns.filter(pl.col("frequency") == "daily")
    pairs = (
        daily.filter(pl.col("asset_id") == "sp500")
        .select("period_end", pl.col("total_return").alias("stock"))
        .join(
            daily.filter(pl.col("asset_id") == "ust_10y").select(
                "period_end", pl.col("total_return").alias("bond")
            ),
            on="period_end",
        )
        .filter(pl.col("period_end") <= row["as_of_date"])
        .sort("period_end")
        .tail(252)
    )
    assert pairs.height == 252
    corr = pairs.select(pl.corr("stock", "bond")).item()
    assert row["correlation_now"] == pytest.approx(corr, abs=2e-4)
    assert row["history_min"] <= row["correlation_now"] <= row["history_max"]
    assert 0 <= row["percentile_of_now"] <= 1 and 0 <= row["share_of_days_negative"] <= 1


def test_worst_months_are_the_worst_sp500_months_and_60_40_is_the_weighted_sum(
    published_sample, returns
):
    recipe = run(published_sample, "08_60_40_vs_stocks_worst_months")
    pairs = monthly_pairs(returns, ["ust_10y"])
    worst = pairs.sort("stock").head(recipe.height)
    assert recipe["period_end"].to_list() == worst["period_end"].to_list()
    for row, ref in zip(recipe.iter_rows(named=True), worst.iter_rows(named=True), strict=True):
        assert row["sp500_return"] == pytest.approx(ref["stock"], abs=6e-5)
        assert row["ust_10y_return"] == pytest.approx(ref["bond"], abs=6e-5)
        blended = 0.6 * ref["stock"] + 0.4 * ref["bond"]
        assert row["portfolio_60_40_return"] == pytest.approx(blended, abs=1e-4)
        assert row["bonds_rose"] == (ref["bond"] > 0)


def test_hit_rate_by_era_matches_a_recount_and_the_cli_answer(published_sample, returns):
    """Down and hit months per era recounted from asset_returns; the CLI reads the same rows."""
    from orchestration.lib import report

    recipe = run(published_sample, "10_hit_rate_by_era_with_intervals")
    pairs = monthly_pairs(returns, ["ust_10y", "ust_2y"])
    eras = {
        "full history": pl.lit(True),
        "1962-1999": pl.col("period_end").dt.year() <= 1999,
        "2000-2021": pl.col("period_end").dt.year().is_between(2000, 2021),
        "2022 on": pl.col("period_end").dt.year() >= 2022,
    }
    expected = {}
    for era, condition in eras.items():
        recount = (
            pairs.filter(condition & (pl.col("stock") < 0))
            .group_by("asset_id")
            .agg(pl.len().alias("down"), (pl.col("bond") > 0).sum().alias("up"))
        )
        for asset, down, up in recount.iter_rows():
            expected[(era, asset)] = (down, up)
    got = {
        (r["era"], r["bond_asset_id"]): (r["down_months"], r["bond_up_months"])
        for r in recipe.iter_rows(named=True)
        if r["bond_asset_id"] in ("ust_10y", "ust_2y")
    }
    assert got == expected
    for r in recipe.iter_rows(named=True):
        assert r["hit_rate_ci_low"] <= r["hit_rate_ci_high"]
        assert r["excess_hit_rate"] is not None

    with duckdb.connect(str(published_sample), read_only=True) as con:
        answer = report.read_answer(con)
    cli = {(h.era, h.bond_asset_id): (h.down_months, h.bond_up) for h in answer}
    for key, value in expected.items():
        assert cli[key] == value


def test_breakeven_classes_cover_every_month_and_rates_are_proportions(published_sample):
    recipe = run(published_sample, "09_breakeven_vs_real_yield_moves")
    assert set(recipe["driver"]) <= {
        "nominal yield fell",
        "rise led by real yield",
        "rise led by breakeven",
    }
    assert recipe.height >= 2
    for row in recipe.iter_rows(named=True):
        assert row["sp500_down_months"] <= row["months"]
        rate = row["ust_10y_hit_rate"]
        assert rate is None or 0 <= rate <= 1
    fell = recipe.filter(pl.col("driver") == "nominal yield fell")
    rose_real = recipe.filter(pl.col("driver") == "rise led by real yield")
    if fell.height and rose_real.height:
        # a falling yield lifts the bond price; a real-yield-led rise pushes it down
        assert fell["ust_10y_hit_rate"].item() > rose_real["ust_10y_hit_rate"].item()


def test_publication_recipe_flags_the_sample_as_synthetic(published_sample):
    recipe = run(published_sample, "12_is_this_real_data")
    row = recipe.row(0, named=True)
    assert row["is_synthetic"] is True
    assert row["data_source"] == "sample"
    assert row["run_id"] == "tests-sample"
    assert "SYNTHETIC" in row["data_source_label"]
    assert row["market_data_as_of"] is not None


def test_current_regime_recipe_is_the_monitor_row(published_sample):
    recipe = run(published_sample, "02_current_regime_and_what_to_watch")
    assert recipe.height == 1
    monitor = table(published_sample, "select * from marts.hedge_monitor_latest")
    assert recipe["as_of_date"].item() == monitor["as_of_date"].item()
    assert recipe["outlook"].item() == monitor["outlook"].item()
    corr = monitor["correlation_252d"].item()
    assert corr is None or math.isclose(recipe["correlation_252d"].item(), corr, abs_tol=6e-4)


def test_excess_hit_rate_recipe_matches_a_recount(published_sample, returns):
    """Recount from asset_returns with polars: the total and excess hit rates per bond; carry
    makes the total-return hit rate at least the excess one for the bill."""
    recipe = run(published_sample, "13_hit_rate_on_total_vs_excess_return")
    monthly = returns.filter((pl.col("frequency") == "monthly") & pl.col("is_complete_period"))
    stock = monthly.filter(pl.col("asset_id") == "sp500").select(
        "period_end", pl.col("total_return").alias("stock")
    )
    bonds = monthly.filter(~pl.col("asset_id").is_in(["sp500", "nasdaq"])).join(
        stock, on="period_end"
    )
    down = bonds.filter((pl.col("stock") < 0) & pl.col("excess_return").is_not_null())
    recount = down.group_by("asset_id").agg(
        pl.len().alias("n"),
        (pl.col("total_return") > 0).mean().alias("total"),
        (pl.col("excess_return") > 0).mean().alias("excess"),
    )
    by_asset = {a: (n, t, x) for a, n, t, x in recount.iter_rows()}
    assert set(recipe["bond_asset_id"]) == set(by_asset)
    for row in recipe.iter_rows(named=True):
        n, total, excess = by_asset[row["bond_asset_id"]]
        assert row["down_months"] == n
        assert row["hit_rate_total"] == pytest.approx(total, abs=6e-5)
        assert row["hit_rate_excess"] == pytest.approx(excess, abs=6e-5)
    bill = recipe.filter(pl.col("bond_asset_id") == "ust_3m").row(0, named=True)
    assert bill["hit_rate_total"] > 0.9 and bill["hit_rate_excess"] < 0.1


def test_markov_recipe_counts_months_per_year(published_sample):
    """Months per year and failing months recounted here from marts.markov_regimes."""
    recipe = run(published_sample, "14_markov_hedge_regime_now_and_history")
    months = table(published_sample, "select period_end, filtered_regime from marts.markov_regimes")
    recount = months.group_by(pl.col("period_end").dt.year().alias("year")).agg(
        pl.len().alias("months"), (pl.col("filtered_regime") == "hedge_failing").sum().alias("f")
    )
    expected = {y: (m, f) for y, m, f in recount.iter_rows()}
    got = {
        r["year"]: (r["months"], r["months_filtered_failing"]) for r in recipe.iter_rows(named=True)
    }
    assert got == expected
    assert recipe["working_beta"][0] < recipe["failing_beta"][0]


def test_vix_bucket_recipe_matches_a_recomputed_correlation(published_sample):
    """2000-2021 correlation in the > 30 bucket recomputed here with the previous day's VIX."""
    recipe = run(published_sample, "15_correlation_by_vix_bucket")
    days = table(
        published_sample,
        """
        select e.period_end, e.total_return as s, b.total_return as b
        from marts.asset_returns e join marts.asset_returns b using (frequency, period_end)
        where frequency = 'daily' and e.asset_id = 'sp500' and b.asset_id = 'ust_10y'
          and e.is_complete_period and b.is_complete_period
          and e.total_return is not null and b.total_return is not null
        """,
    )
    vix = (
        table(published_sample, "select calendar_date as period_end, vix from marts.regime_daily")
        .sort("period_end")
        .with_columns(pl.col("vix").shift(1).alias("previous_vix"))
    )
    joined = days.join(vix, on="period_end").filter(
        (pl.col("previous_vix") > 30) & pl.col("period_end").dt.year().is_between(2000, 2021)
    )
    row = recipe.filter((pl.col("era") == "2000-2021") & (pl.col("vix_bucket") == "> 30"))
    assert row["days"].item() == joined.height
    expected = np.corrcoef(joined["s"].to_numpy(), joined["b"].to_numpy())[0, 1]
    assert row["correlation"].item() == pytest.approx(expected, abs=6e-4)
