"""The two dbt Python models reuse their last build exactly where their input is unchanged.

int_hedge_bootstrap reuses a cell's stored resamples when the fingerprint of its resampled
periods is unchanged and draws the others (an open era resamples its periods through the end of
the month before its last period, so its resamples change once a month); int_markov_regimes
returns its stored table when the fit's input is unchanged (see the models' docstrings). Real
dbt runs on a real DuckDB file: a build, a rebuild with no change (everything reused, same
values), one more business day inside the month (no resample drawn, the open eras' estimates
and intervals updated, and the table equals a `--full-refresh` of the same warehouse in every
column, bit for bit), the first business day of the next month (exactly the open eras' cells
whose last period moved into a new month are redrawn; again equal to a full refresh), and a
changed var (everything recomputed). Which cells had to change is derived from the rule
written out here, from the cells' last periods before and after, not from the fingerprints.
"""

from __future__ import annotations

import shutil
import struct
from datetime import date

import duckdb
import numpy as np
import pytest

from tests.support import land, query, run_dbt

FIRST_END = date(2026, 6, 24)  # a Wednesday
NEXT_END = date(2026, 6, 25)  # +1 business day: completes no week and no month
MONTH_END = date(2026, 7, 1)  # a new month: June completes, the week of June 29 does not
MODELS = ["int_hedge_bootstrap", "int_markov_regimes"]
BOOT = "intermediate.int_hedge_bootstrap"
MARKOV = "intermediate.int_markov_regimes"
CELL = ["equity_asset_id", "bond_asset_id", "frequency", "era", "return_basis"]
KEYS = {BOOT: CELL, MARKOV: ["period_end", "regime_index"]}


def run_models(warehouse, work, *args):
    run_dbt(warehouse, work, "run", "--select", *MODELS, *args)


def exact(value):
    """A value compared bit for bit (NaN equals NaN; lists element-wise)."""
    if isinstance(value, float):
        return struct.pack("<d", value).hex()
    if isinstance(value, list):
        return tuple(exact(v) for v in value)
    return value


def snapshot(warehouse, table):
    """{key: row without `reused`, values compared bit for bit} of ``table``."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cursor = con.execute(f"select * exclude (reused) from {table}")
        names = [d[0] for d in cursor.description]
        rows = [dict(zip(names, map(exact, r), strict=True)) for r in cursor.fetchall()]
    finally:
        con.close()
    return {tuple(r[k] for k in KEYS[table]): r for r in rows}


def reused(warehouse, table):
    """{key: reused flag} of ``table``."""
    rows = query(warehouse, f"select {', '.join(KEYS[table])}, reused from {table}")
    return {tuple(r[:-1]): r[-1] for r in rows}


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Snapshots and reuse flags of each step (see the module docstring)."""
    work = tmp_path_factory.mktemp("model_cache")
    warehouse = work / "warehouse.duckdb"
    land(warehouse, end_date=FIRST_END)
    run_dbt(warehouse, work, "seed")
    run_dbt(warehouse, work, "run", "--select", *(f"+{m}" for m in MODELS))
    out = {"first": {t: snapshot(warehouse, t) for t in KEYS}}
    out["first_reused"] = {t: reused(warehouse, t) for t in KEYS}

    run_models(warehouse, work)  # nothing changed
    out["again"] = {t: snapshot(warehouse, t) for t in KEYS}
    out["again_reused"] = {t: reused(warehouse, t) for t in KEYS}

    land(warehouse, end_date=NEXT_END)  # one more business day for every series
    run_dbt(warehouse, work, "run", "--select", *(f"+{m}" for m in MODELS))
    out["next"] = {t: snapshot(warehouse, t) for t in KEYS}
    out["next_reused"] = {t: reused(warehouse, t) for t in KEYS}
    full = work / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    run_models(full, work / "full", "--full-refresh")
    out["full"] = {t: snapshot(full, t) for t in KEYS}
    out["full_reused"] = {t: reused(full, t) for t in KEYS}

    land(warehouse, end_date=MONTH_END)  # into the next month
    run_dbt(warehouse, work, "run", "--select", *(f"+{m}" for m in MODELS))
    out["month"] = {BOOT: snapshot(warehouse, BOOT)}
    out["month_reused"] = {BOOT: reused(warehouse, BOOT)}
    full = work / "full_month" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    run_models(full, work / "full_month", "--full-refresh")
    out["full_month"] = {BOOT: snapshot(full, BOOT)}

    run_models(warehouse, work, "--vars", "{bootstrap_resamples: 150, markov_search_reps: 4}")
    out["vars_reused"] = {t: reused(warehouse, t) for t in KEYS}
    out["vars_resamples"] = query(warehouse, f"select distinct resamples from {BOOT}")
    return out


def test_first_build_computes_and_a_rebuild_without_change_reuses_everything(builds):
    for table in KEYS:
        assert builds["first"][table], table
        assert not any(builds["first_reused"][table].values()), table
        assert all(builds["again_reused"][table].values()), table
        assert builds["again"][table] == builds["first"][table], table


def month(day):
    return (day.year, day.month)


def month_moved(before, after):
    """Cells whose resamples must be redrawn, by the rule: a cell of an open era (no end date
    in this sample's eras) whose last period moved into another calendar month."""
    return {
        key
        for key, row in after.items()
        if row["era_end"] is None
        and (
            key not in before
            or month(row["last_period_end"]) != month(before[key]["last_period_end"])
        )
    }


def test_one_more_day_inside_a_month_draws_no_resample_and_equals_a_full_refresh(builds):
    before, after = builds["first"][BOOT], builds["full"][BOOT]
    assert month_moved(before, after) == set()
    assert all(builds["next_reused"][BOOT].values())
    # the new day still reached the estimates of the daily cells of the open-ended eras
    grew = {key for key, row in after.items() if row["periods"] != before[key]["periods"]}
    assert grew and {key[2] for key in grew} == {"daily"}
    assert {after[key]["era_end"] for key in grew} == {None}
    for key in grew:
        if after[key]["beta"] != exact(0.0):  # (the bill's excess return is 0: no beta moves)
            assert after[key]["beta_boot_low"] != before[key]["beta_boot_low"], key
        assert after[key]["resampled_through"] == before[key]["resampled_through"], key
    assert builds["next"][BOOT] == after  # every column, bit for bit
    assert not any(builds["full_reused"][BOOT].values())


def test_a_new_month_redraws_exactly_the_open_cells_it_moved_and_equals_a_full_refresh(builds):
    before, after = builds["next"][BOOT], builds["full_month"][BOOT]
    expected = month_moved(before, after)
    redrawn = {key for key, flag in builds["month_reused"][BOOT].items() if not flag}
    assert redrawn == expected
    # June 30 completed a month (daily and monthly cells moved) but no week: the week of
    # June 29 is still open, so the weekly cells' last period stayed in June
    assert {key[2] for key in redrawn} == {"daily", "monthly"}
    assert 0 < len(redrawn) < len(after) / 2
    assert builds["month"][BOOT] == after  # every column, bit for bit


def test_markov_fit_is_reused_when_no_month_completes(builds):
    """A Thursday adds no complete month: the stored fit is the fit a full refresh gives."""
    assert all(builds["next_reused"][MARKOV].values())
    assert builds["next"][MARKOV] == builds["full"][MARKOV]
    assert not any(builds["full_reused"][MARKOV].values())
    assert builds["full"][MARKOV] == builds["first"][MARKOV]


def test_a_changed_var_recomputes_everything(builds):
    assert builds["vars_resamples"] == [(150,)]
    for table in KEYS:
        assert builds["vars_reused"][table], table
        assert not any(builds["vars_reused"][table].values()), table


def test_reused_resamples_scale_the_new_estimate_by_its_own_se():
    """compute() directly: five more days inside a month reuse every stored resample; the open
    era's interval is the new estimate -/+ q x the new se, q the stored quantile of |t*|, and
    the rows equal a computation from scratch."""
    from tests.test_answer import bootstrap_module

    module = bootstrap_module()
    rng = np.random.default_rng(3)
    n = 420
    days = np.datetime64("2000-01-03") + np.arange(n)  # through 2001-02-25
    columns = {
        "equity_asset_id": np.full(n, "sp500"),
        "bond_asset_id": np.full(n, "ust_10y"),
        "frequency": np.full(n, "daily"),
        "period_end": days.astype("datetime64[D]"),
        "stock_return": rng.normal(0, 0.01, n),
        "bond_total": rng.normal(0, 0.005, n),
    }
    eras = module.parse_eras(
        [
            {"name": "early", "start": "2000-01-01", "end": "2000-06-30"},
            {"name": "late", "start": "2000-07-01", "end": None},
        ]
    )
    args = (["total"], eras, 60, 11, 3)
    first = module.compute({k: v[: n - 5] for k, v in columns.items()}, *args)
    stored = {tuple(r[k] for k in module.KEY_COLUMNS): r for r in first}
    again = module.compute(columns, *args, stored=stored)
    fresh = module.compute(columns, *args)
    assert [r["reused"] for r in again] == [True, True]
    assert [r["reused"] for r in fresh] == [False, False]
    kept = [c for c in fresh[0] if c != "reused"]
    assert [exact([r[c] for c in kept]) for r in again] == [
        exact([r[c] for c in kept]) for r in fresh
    ]
    late, late_before = again[1], first[1]
    assert late["periods"] == late_before["periods"] + 5
    assert late["resampled_through"] == late_before["resampled_through"] == date(2001, 1, 31)
    mask = module._in_era(columns["period_end"], eras[1])
    s, b = columns["stock_return"][mask], columns["bond_total"][mask]
    estimates = module.statistics(s, b, 3)
    se = module.sample_standard_errors(s, b, estimates)
    q = late["resampled_t_quantiles"][module.STUDENTIZED.index("beta")]
    assert (late["beta_boot_low"], late["beta_boot_high"]) == pytest.approx(
        (estimates["beta"] - q * se["beta"], estimates["beta"] + q * se["beta"]), abs=1e-15
    )
    assert late["beta"] != late_before["beta"]
