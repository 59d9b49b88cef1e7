"""The dbt models ported to Spark give on Spark what they give on DuckDB (issue 13).

The same raw landing (a shortened synthetic sample: every catalog series from 2023-06-01, so
Spark's fixed cost stays small) is built by dbt-duckdb and by dbt-spark (local session, the
`spark` target, from the separate environment `make spark-env`). The reference for each
table is the DuckDB build; Spark's tables are exported to Parquet and compared inside DuckDB
by tests/parity.py: same keys and row counts, non-float columns equal, floats within 1e-9,
NULLs in the same places. Then a month of new days and an old revision arrive, and Spark's
incremental models (insert_overwrite by month: int_observations_daily, int_rolling_correlations
and the rolling_correlations mart) are compared with Spark's full refresh and with DuckDB's full
build of the same data.

Skips only when the Spark environment cannot be installed (`make spark-env` fails): CI runs
`make test`, which installs it first.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from ingestion.catalog import PROJECT_ROOT
from ingestion.landing import land_series
from ingestion.parquet_export import export_raw
from ingestion.sources.sample import SampleSource
from ingestion.warehouse import open_warehouse, upsert_series
from orchestration.lib.settings import spark_python
from tests.parity import PORTED_KEYS, compare
from tests.support import SAMPLE_END, run_dbt

SPARK_PYTHON = spark_python()
SHORT_START = date(2023, 6, 1)
FIRST_END = date(2026, 5, 29)
REVISED_SERIES, REVISED_DATE = "DGS10", date(2024, 3, 12)
PORTED_MODELS = " ".join(t.split(".")[1] for t in PORTED_KEYS)
DAILY = "intermediate.int_observations_daily"
#: the incremental models (replace_from on DuckDB, insert_overwrite by month on Spark)
INCREMENTAL = (DAILY, "intermediate.int_rolling_correlations", "marts.rolling_correlations")
INCREMENTAL_MODELS = " ".join(t.split(".")[1] for t in INCREMENTAL)
TOLERANCE = 1e-9


class ShortSample(SampleSource):
    """The synthetic sample from SHORT_START only (the sample itself starts in 1962)."""

    def fetch(self, series, start, end):
        return super().fetch(series, max(start or SHORT_START, SHORT_START), end)


def _export_args(relations: list[str], out_dir: Path) -> str:
    args = json.dumps({"relations": relations, "out_dir": str(out_dir)})
    return f"run-operation export_parquet --args '{args}'"


def _register_args(raw_dir: Path) -> str:
    return f"run-operation register_raw_parquet --args '{{raw_dir: {raw_dir}}}'"


def _duckdb_build(landing: Path, workdir: Path, *select: str) -> Path:
    workdir.mkdir(parents=True)
    warehouse = workdir / "warehouse.duckdb"
    shutil.copy(landing, warehouse)
    run_dbt(warehouse, workdir, "build", "--indirect-selection", "cautious", "--select", *select)
    return warehouse


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    """Paths of the DuckDB builds and of Spark's Parquet exports, v1 and after the update."""
    make = subprocess.run(
        ["make", "spark-env"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800
    )
    if make.returncode != 0 or not SPARK_PYTHON.exists():
        pytest.skip(f"the Spark environment could not be installed: {make.stderr[-2000:]}")

    work = tmp_path_factory.mktemp("spark_parity")
    landing = work / "landing" / "warehouse.duckdb"
    landing.parent.mkdir()
    assert land_series(landing, ShortSample(end_date=FIRST_END)).failed == []
    export_raw(landing, work / "raw_v1")
    duck_v1 = _duckdb_build(landing, work / "duck_v1", *PORTED_MODELS.split())

    assert (
        land_series(landing, ShortSample(end_date=SAMPLE_END)).failed == []
    )  # a month of new days
    with open_warehouse(landing) as con:
        (old,) = con.execute(
            "select value from raw.observations where series_id = ? and observation_date = ?",
            [REVISED_SERIES, REVISED_DATE],
        ).fetchone()
        frame = pl.DataFrame({"observation_date": [REVISED_DATE], "value": [old + 0.75]})
        assert upsert_series(con, REVISED_SERIES, frame, source="sample", run_id="rev").updated
    export_raw(landing, work / "raw_v2")
    duck_v2 = _duckdb_build(
        landing, work / "duck_v2", *(f"+{t.split('.')[1]}" for t in INCREMENTAL)
    )

    env = dict(os.environ)
    env.update(
        BONDHEDGE_SPARK_DIR=str(work / "spark"),
        DBT_TARGET_PATH=str(work / "spark_target"),
        DBT_LOG_PATH=str(work / "spark_logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    commands = [
        _register_args(work / "raw_v1"),
        "seed --full-refresh",
        f"run --select {PORTED_MODELS}",
        _export_args(list(PORTED_KEYS), work / "spark_v1"),
        _register_args(work / "raw_v2"),
        f"run --select {PORTED_MODELS}",
        _export_args(list(INCREMENTAL), work / "spark_v2_incremental"),
        f"run --select {INCREMENTAL_MODELS} --full-refresh",
        _export_args(list(INCREMENTAL), work / "spark_v2_full"),
    ]
    proc = subprocess.run(
        [str(SPARK_PYTHON), "spark/run_dbt.py", *commands],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=2400,
    )
    timings = [line for line in proc.stdout.splitlines() if line.startswith("[spark]")]
    print("\n".join(timings))
    if proc.returncode != 0:
        raise AssertionError(f"Spark build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}")
    return {"work": work, "duck_v1": duck_v1, "duck_v2": duck_v2}


def _spark(out_dir: Path, table: str) -> str:
    return f"read_parquet('{out_dir / table.split('.')[1]}/*.parquet')"


def _connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """A connection with ``warehouse`` attached under its own name (its views name it)."""
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    con.execute(f"attach '{warehouse}' as {warehouse.stem} (read_only)")
    return con


@pytest.mark.slow
@pytest.mark.parametrize("table", list(PORTED_KEYS))
def test_spark_matches_duckdb(builds, table):
    """Every ported table: DuckDB's build is the reference, Spark's must match it."""
    con = _connect(builds["duck_v1"])
    result = compare(
        con,
        table,
        f"warehouse.{table}",
        _spark(builds["work"] / "spark_v1", table),
        PORTED_KEYS[table],
        TOLERANCE,
    )
    print(f"{table}: {result.rows} rows, max |diff| per float column {result.max_abs_diff}")
    assert result.rows > 0
    assert not result.problems, result.problems


@pytest.mark.slow
@pytest.mark.parametrize("table", INCREMENTAL)
def test_spark_incremental_equals_full_refresh_and_duckdb(builds, table):
    """After new days and a revision, Spark's incremental build of ``table`` equals its full
    refresh and DuckDB's full build, and rewrote only the months from the revision on."""
    work = builds["work"]
    incremental = _spark(work / "spark_v2_incremental", table)
    con = _connect(builds["duck_v2"])
    for reference in (_spark(work / "spark_v2_full", table), f"warehouse.{table}"):
        result = compare(con, table, reference, incremental, PORTED_KEYS[table], TOLERANCE)
        assert not result.problems, (reference, result.problems)
    if table == DAILY:
        revised = con.execute(
            f"select value from {incremental} where series_id = ? and calendar_date = ?",
            [REVISED_SERIES, REVISED_DATE],
        ).fetchone()[0]
        (v1_value,) = con.execute(
            f"select value from {_spark(work / 'spark_v1', DAILY)} "
            "where series_id = ? and calendar_date = ?",
            [REVISED_SERIES, REVISED_DATE],
        ).fetchone()
        assert abs(revised - v1_value - 0.0075) < 1e-12  # +0.75 percent, in decimals
    day = "calendar_date" if table == DAILY else "as_of_date"
    first_rebuilt, last_kept, builds_seen = con.execute(
        f"""
        select
            min({day}) filter (where built_at = (select max(built_at) from {incremental})),
            max({day}) filter (where built_at < (select max(built_at) from {incremental})),
            count(distinct built_at)
        from {incremental}
        """
    ).fetchone()
    assert builds_seen == 2
    (first_day_of_month,) = con.execute(
        f"select min({day}) from {incremental} where {day} >= ?",
        [REVISED_DATE.replace(day=1)],
    ).fetchone()
    assert first_rebuilt == first_day_of_month and last_kept < first_day_of_month


def test_comparer_finds_each_kind_of_difference(tmp_path):
    """The parity check itself: a float off by 1e-6, a NULL moved, a string changed, a missing
    key and a row count are each reported; floats within the tolerance are not."""
    con = duckdb.connect()
    con.execute(
        "create table a as select k, f::double as f, s from (values (1, 0.5, 'x'), "
        "(2, 1.0, 'y'), (3, null, 'z'), (4, 2.0, 'w')) t(k, f, s)"
    )
    con.execute(
        "create table b as select k, f::double as f, s from (values (1, 0.5 + 1e-12, 'x'), "
        "(2, 1.000001, 'y'), (3, 3.0, 'z'), (5, 2.0, 'w')) t(k, f, s)"
    )
    result = compare(con, "t", "a", "b", ("k",), TOLERANCE)
    text = " | ".join(result.problems)
    assert "keys only left: 1, only right: 1" in text
    assert "f: 2 rows differ" in text  # k=2 beyond tolerance, k=3 NULL vs 3.0
    assert result.max_abs_diff["f"] == pytest.approx(1e-6, rel=1e-3)
    con.execute(
        "create table c as select k, f, case when k = 2 then 'changed' else s end as s from a"
    )
    result = compare(con, "t", "a", "c", ("k",), TOLERANCE)
    assert result.problems == [f"s: 1 rows differ, e.g. {[(2, 'y', 'changed')]}"]
    assert compare(con, "t", "a", "a", ("k",), 0.0).problems == []
    con.execute("create table d as select * from a union all select 6, 1.0, 'v'")
    assert "row counts differ: 4 vs 5" in compare(con, "t", "a", "d", ("k",)).problems[0]
