"""The bench's polars reference (bench/reference.py) equals the marts on the sample warehouse.

The reference recomputes, from raw.observations and the seed CSVs only, the calendar, the
bounded forward fill, Treasury par-bond returns with roll-down, equity price returns, the daily
rolling correlation / beta / downside beta and the scorecard's daily hit rates; this is the
independent calculation those marts are checked against here (to 1e-9), and the peer the
bench's `make run` / reference ratio is measured against.
"""

from __future__ import annotations

import importlib.util
import sys

import polars as pl
import pytest

from ingestion.catalog import PROJECT_ROOT


@pytest.fixture(scope="module")
def reference():
    spec = importlib.util.spec_from_file_location(
        "bench_reference", PROJECT_ROOT / "bench" / "reference.py"
    )
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through it
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def computed(reference, sample_warehouse):
    return reference.compute(sample_warehouse)


def test_reference_equals_the_marts_within_1e_9(reference, computed, sample_warehouse):
    check = reference.compare(computed, sample_warehouse)
    assert reference.problems(check) == []
    # the comparison covered real rows: every asset and pair in scope, values not all NULL
    assert computed.returns["asset_id"].n_unique() == 7
    assert check["int_asset_returns_daily"]["total_return_values"] > 90_000
    assert check["rolling_correlations"]["correlation_values"] > 300_000
    scorecard = check["hedge_scorecard"]
    assert scorecard["rows"] >= 5 * 7 and scorecard["only_mart"] == 0
    overall = computed.scorecard.filter(pl.col("regime_dimension") == "all")
    assert overall.height == 5 and overall["hit_rate"].is_between(0, 1).all()


def test_the_comparison_catches_a_difference(reference, computed, sample_warehouse):
    """One return off by 1e-8, one missing correlation row, one hit more: each is reported."""
    target = (pl.col("asset_id") == "ust_10y") & (pl.col("calendar_date").dt.year() == 2000)
    returns = computed.returns.with_columns(
        pl.when(target).then(pl.col("total_return") + 1e-8).otherwise(pl.col("total_return"))
    )
    rolling = computed.rolling.slice(1)
    scorecard = computed.scorecard.with_columns(
        pl.col("bond_up_when_stock_down") + (pl.int_range(pl.len()) == 0).cast(pl.UInt32)
    )
    changed = type(computed)(returns, rolling, scorecard, computed.seconds, computed.read_seconds)
    problems = reference.problems(reference.compare(changed, sample_warehouse))
    assert any(p.startswith("int_asset_returns_daily.total_return: max |diff|") for p in problems)
    assert any(p.startswith("rolling_correlations: 0 rows only ours, 1 only") for p in problems)
    assert any(p.startswith("hedge_scorecard.bond_up_when_stock_down") for p in problems)
