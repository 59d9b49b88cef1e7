"""The two dbt Python models reuse their last build exactly where their input is unchanged.

int_hedge_bootstrap copies a cell's stored row when its input fingerprint is unchanged and
resamples the others; int_markov_regimes returns its stored table when the fit's input is
unchanged (see the models' docstrings). Real dbt runs on a real DuckDB file: a build, a
rebuild with no change (everything reused, same values), one more business day (only the
cells whose input changed are resampled, and the table equals a `--full-refresh` of the same
warehouse in every column, bit for bit), and a changed var (everything recomputed). Which
cells had to change is derived independently of the fingerprints: from the cells' period
counts and ranges before and after, and the era each cell is tested against.
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


def test_one_more_day_resamples_only_the_changed_cells_and_equals_a_full_refresh(builds):
    before, after = builds["first"][BOOT], builds["full"][BOOT]
    span = ("periods", "first_period_end", "last_period_end")
    data_changed = {
        key
        for key, row in after.items()
        if key not in before or any(row[c] != before[key][c] for c in span)
    }
    # a cell is also recomputed when the era it is tested against changed
    expected = data_changed | {
        key
        for key, row in after.items()
        if row["previous_era"] is not None
        and (*key[:3], row["previous_era"], key[4]) in data_changed
    }
    recomputed = {key for key, flag in builds["next_reused"][BOOT].items() if not flag}
    assert recomputed == expected
    # the new day reached the daily cells of the open-ended eras and nothing else
    assert {key[2] for key in recomputed} == {"daily"}
    assert 0 < len(recomputed) < len(after) / 2
    assert builds["next"][BOOT] == after  # every column, bit for bit
    assert not any(builds["full_reused"][BOOT].values())


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


def test_reuse_without_stored_replicates_redraws_them_from_the_same_stream():
    """compute() directly: the later era is recomputed while the previous era is reused from a
    row that kept no replicates; its replicates are redrawn (same seeded stream), so the era
    test equals a fresh computation's."""
    from tests.test_answer import bootstrap_module

    module = bootstrap_module()
    rng = np.random.default_rng(3)
    n = 400
    days = np.datetime64("2000-01-03") + np.arange(n)
    pairs = {
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
    fresh = module.compute(pairs, *args)
    stored = {}
    for row in fresh:
        row = dict(row)
        if row["era"] == "early":
            for name in module.TESTED:
                row[f"{name}_replicates"] = None
        else:
            row["input_fingerprint"] = "stale"
        stored[tuple(row[k] for k in module.KEY_COLUMNS)] = row
    again = module.compute(pairs, *args, stored=stored)
    assert [r["reused"] for r in again] == [True, False]
    kept = [c for c in fresh[0] if not c.endswith("_replicates") and c != "reused"]
    assert [exact([r[c] for c in kept]) for r in again] == [
        exact([r[c] for c in kept]) for r in fresh
    ]
    assert again[1]["hit_rate_diff_p_value"] is not None
