"""The incremental models give exactly what a full rebuild gives, and only recompute the window.

int_observations_daily and int_rolling_correlations are incremental (strategy ``replace_from``,
dbt_project/macros/incremental.sql): a build recomputes the days from the earliest changed
input (or the trailing look-back) and replaces them. The reference is an independent
computation: the same dbt SQL run with ``--full-refresh`` on a byte copy of the warehouse.
Two kinds of change are exercised at once: a month of new business days for every series (the
routine refresh) and a revision of one Treasury yield eight years back (FRED revisions and CSV
reloads can reach far into history).
"""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from ingestion.warehouse import open_warehouse, upsert_series
from tests.support import SAMPLE_END, land, query, run_dbt

FIRST_END = date(2026, 5, 29)
REVISED_SERIES, REVISED_DATE = "DGS10", date(2018, 3, 1)

# table -> its key columns; every other column except built_at is compared
ROLLING_KEY = ["as_of_date", "frequency", "window_periods", "equity_asset_id", "bond_asset_id"]
INCREMENTAL = {
    "intermediate.int_observations_daily": ["series_id", "calendar_date"],
    "intermediate.int_rolling_correlations": ROLLING_KEY,
    # the marts that copy them (with built_at, so the row-age tests below read the mart)
    "marts.observations_daily": ["series_id", "calendar_date"],
    "marts.rolling_correlations": ROLLING_KEY,
}


@pytest.fixture(scope="module")
def incremental_and_full(tmp_path_factory):
    """(incrementally built warehouse, its full-refresh twin, first build's built_at)."""
    work = tmp_path_factory.mktemp("incremental")
    warehouse = work / "warehouse.duckdb"
    land(warehouse, end_date=FIRST_END)
    run_dbt(warehouse, work, "build")
    (first_built,) = query(warehouse, "select max(built_at) from marts.rolling_correlations")[0]

    land(warehouse, end_date=SAMPLE_END)  # a month of new days for every series
    with open_warehouse(warehouse) as con:
        (old,) = con.execute(
            "select value from raw.observations where series_id = ? and observation_date = ?",
            [REVISED_SERIES, REVISED_DATE],
        ).fetchone()
        revision = pl.DataFrame({"observation_date": [REVISED_DATE], "value": [old + 0.75]})
        counts = upsert_series(con, REVISED_SERIES, revision, source="sample", run_id="revise")
    assert counts.updated == 1
    run_dbt(warehouse, work, "build")

    full = work / "full" / "warehouse.duckdb"
    full.parent.mkdir()
    shutil.copy(warehouse, full)
    run_dbt(full, work / "full", "build", "--full-refresh")
    return warehouse, full, first_built


@pytest.mark.parametrize("table", sorted(INCREMENTAL))
def test_incremental_build_equals_full_refresh(incremental_and_full, table):
    """Same keys, same values: exact for every column, 1e-9 relative for doubles.

    The correlations are differences of running sums, and an incremental build starts its
    running sums six years before the cutoff instead of in 1962, so the rounding differs: by
    up to ~3e-11 (downside betas over few down days). 1e-9 is thirty times that and far below
    any reported digit; a missed change moves values by 1e-3 or more.
    """
    incremental, full, _ = incremental_and_full
    keys = INCREMENTAL[table]
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        con.execute(f"attach '{full}' as full_refresh (read_only)")
        columns = con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_catalog = 'warehouse' and table_schema || '.' || table_name = ? "
            "and column_name <> 'built_at' order by ordinal_position",
            [table],
        ).fetchall()
        assert columns, table
        same = [
            f'(a."{c}" is null and b."{c}" is null) '
            f'or abs(a."{c}" - b."{c}") <= 1e-9 * greatest(1, abs(b."{c}"))'
            if t == "DOUBLE"
            else f'a."{c}" is not distinct from b."{c}"'
            for c, t in columns
            if c not in keys
        ]
        on = " and ".join(f'a."{k}" = b."{k}"' for k in keys)
        rows, missing, extra, differing = con.execute(
            f"select count(*), count(*) filter (where a.{keys[0]} is null), "
            f"count(*) filter (where b.{keys[0]} is null), "
            f"count(*) filter (where a.{keys[0]} is not null and b.{keys[0]} is not null "
            f"and not ({' and '.join(f'({x})' for x in same)})) "
            f"from {table} as a full outer join full_refresh.{table} as b on {on}"
        ).fetchone()
    finally:
        con.close()
    assert rows > 0
    assert (missing, extra, differing) == (0, 0, 0)


def test_the_revision_reaches_the_marts(incremental_and_full):
    """The 2018 revision changed correlations from that day on, not before (sanity of the test)."""
    incremental, _, first_built = incremental_and_full
    rows = query(
        incremental,
        "select min(as_of_date), max(as_of_date) from marts.rolling_correlations "
        "where built_at > ? and frequency = 'daily'",
        [first_built],
    )
    assert rows[0][0] == REVISED_DATE  # recomputed from the revised day ...
    assert rows[0][1] == SAMPLE_END  # ... through the new month


def test_incremental_build_keeps_older_rows(incremental_and_full):
    """Rows before the earliest change keep their first build time: they were not recomputed."""
    incremental, _, first_built = incremental_and_full
    kept, rebuilt, stale = query(
        incremental,
        "select count(*) filter (where built_at = ?), count(*) filter (where built_at > ?), "
        "count(*) filter (where built_at = ? and as_of_date >= ?) "
        "from marts.rolling_correlations",
        [first_built, first_built, first_built, REVISED_DATE],
    )[0]
    assert kept > 0 and rebuilt > 0
    assert stale == 0
