"""The whole pipeline with dbt on the `spark` target, as Dagster runs it (issue 13).

One landing (the sample from 2020, as in tests/test_spark_python_models.py: the Markov fit needs
60 months) is copied twice; the real Dagster job `refresh_all` (land, dbt, pandera checks,
publish, report) runs once with the dbt resource's ``target`` = spark and once on DuckDB. The
Spark run must land into the DuckDB working warehouse, build on Spark, and publish into a DuckDB
file that a BI client cannot tell from the DuckDB run's: same tables, columns, types and
comments, every value equal within 1e-9. Then the contracts' constraints test (spark-only) must
catch a row that breaks a not_null constraint on Spark, and must not exist on DuckDB.

Skips only when the Spark environment cannot be installed (`make spark-env` fails).
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion.catalog import PROJECT_ROOT
from ingestion.landing import land_series
from orchestration.definitions import defs
from orchestration.defs.resources import SourceResource, WarehouseResource
from orchestration.defs.transform.project import dbt_project
from orchestration.defs.transform.resources import DBT_EXECUTABLE, BondhedgeDbtResource
from orchestration.defs.transform.spark_build import CONSTRAINTS_TEST
from orchestration.lib.publication import PUBLISHED_SCHEMAS
from orchestration.run_launcher import WRITER_POOL
from tests.parity import PORTED_KEYS, PYTHON_MODEL_KEYS, compare
from tests.support import SAMPLE_END
from tests.test_spark_parity import SPARK_PYTHON
from tests.test_spark_python_models import LongerSample

pytestmark = pytest.mark.slow
TOLERANCE = 1e-9
KEYS = {**PORTED_KEYS, **PYTHON_MODEL_KEYS}
PUBLISHED = [t for t in KEYS if t.split(".")[0] in PUBLISHED_SCHEMAS]


def _run(root: Path, target: str) -> tuple[dg.ExecuteInProcessResult, list[str]]:
    """The run's result and every log message of it (the steps' own lines included)."""
    job = defs.resolve_job_def("refresh_all")
    instance = dg.DagsterInstance.ephemeral()
    result = job.execute_in_process(
        instance=instance,
        resources={
            "warehouse": WarehouseResource(
                path=str(root / "warehouse.duckdb"),
                published_path=str(root / "published" / "bondhedge.duckdb"),
            ),
            "source": SourceResource(name="sample", sample_end_date=SAMPLE_END.isoformat()),
            "dbt": BondhedgeDbtResource(
                project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE, target=target
            ),
        },
        raise_on_error=False,
    )
    return result, [e.message for e in instance.all_logs(result.run_id)]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    make = subprocess.run(
        ["make", "spark-env"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800
    )
    if make.returncode != 0 or not SPARK_PYTHON.exists():
        pytest.skip(f"the Spark environment could not be installed: {make.stderr[-2000:]}")
    work = tmp_path_factory.mktemp("spark_run")
    spark_root, duck_root = work / "spark_target", work / "duck_target"
    spark_root.mkdir()
    assert (
        land_series(spark_root / "warehouse.duckdb", LongerSample(end_date=SAMPLE_END)).failed == []
    )
    shutil.copytree(spark_root, duck_root)

    saved = os.environ.get("BONDHEDGE_SPARK_DIR")
    os.environ["BONDHEDGE_SPARK_DIR"] = str(work / "spark")
    try:
        spark, _ = _run(spark_root, "spark")
    finally:
        if saved is None:
            os.environ.pop("BONDHEDGE_SPARK_DIR")
        else:
            os.environ["BONDHEDGE_SPARK_DIR"] = saved
    duck, _ = _run(duck_root, "dev")  # the reference: the same job on DuckDB
    return {
        "work": work,
        "spark": spark,
        "duck": duck,
        "spark_root": spark_root,
        "duck_root": duck_root,
    }


def _failures(result: dg.ExecuteInProcessResult) -> list[str]:
    return [str(e.event_specific_data.error)[:3000] for e in result.all_events if e.is_step_failure]


def test_spark_run_lands_builds_on_spark_and_publishes(runs):
    spark = runs["spark"]
    assert spark.success, _failures(spark)
    steps = {e.step_key for e in spark.all_events if e.is_step_success}
    assert {"land_raw_series", "bondhedge_dbt_models", "published__bondhedge"} <= steps
    assert any("report" in step for step in steps), steps
    # raw landed into the DuckDB working warehouse; no model was built there
    with duckdb.connect(str(runs["spark_root"] / "warehouse.duckdb"), read_only=True) as con:
        schemas = {
            r[0] for r in con.execute("select distinct schema_name from duckdb_tables()").fetchall()
        }
        assert con.execute("select count(*) from raw.observations").fetchone()[0] > 10_000
    assert "marts" not in schemas and "intermediate" not in schemas
    # the Spark build exported what it built, and the published metadata says it came from there
    export = runs["work"] / "spark" / "export"
    assert {p.name for p in (export / "marts").iterdir()} == {
        t.split(".")[1] for t in PUBLISHED if t.startswith("marts.")
    }
    (pub,) = spark.asset_materializations_for_node("published__bondhedge")
    assert pub.metadata["dbt_target"].value == "spark"
    # the pandera checks of the marts ran (on Spark's export) and passed
    checks = [e for e in spark.all_events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    pandera = {
        e.event_specific_data.asset_check_key.name: e.event_specific_data.passed
        for e in checks
        if e.event_specific_data.asset_check_key.name.startswith("pandera_")
    }
    assert pandera and all(pandera.values()), pandera


def _published(root: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute(f"attach '{root / 'published' / 'bondhedge.duckdb'}' as pub (read_only)")
    return con


def _bi_metadata(root: Path) -> dict:
    with _published(root) as con:
        tables = con.execute(
            "select schema_name, table_name, comment from duckdb_tables() "
            "where database_name = 'pub' order by 1, 2"
        ).fetchall()
        columns = con.execute(
            "select schema_name, table_name, column_index, column_name, data_type, comment "
            "from duckdb_columns() where database_name = 'pub' and schema_name <> 'meta' "
            "order by 1, 2, 3"
        ).fetchall()
        (source,) = con.execute(
            "select data_source from pub.meta.publications order by published_at desc limit 1"
        ).fetchone()
    return {"tables": tables, "columns": columns, "source": source}


def test_published_file_looks_the_same_to_bi(runs):
    assert runs["duck"].success, _failures(runs["duck"])
    spark, duck = _bi_metadata(runs["spark_root"]), _bi_metadata(runs["duck_root"])
    assert [t[:2] for t in spark["tables"]] == [t[:2] for t in duck["tables"]]
    assert spark["tables"] == duck["tables"]  # with the table comments
    assert spark["columns"] == duck["columns"]  # names, order, types, comments
    assert spark["source"] == duck["source"] == "sample"
    assert any(c[5] for c in spark["columns"])  # the comments are there at all


@pytest.mark.parametrize("table", PUBLISHED)
def test_published_values_equal_the_duckdb_build(runs, table):
    """Each published table of the Spark run equals the DuckDB run's, floats within 1e-9."""
    with _published(runs["spark_root"]) as con:
        con.execute(f"attach '{runs['duck_root'] / 'published' / 'bondhedge.duckdb'}' as duck")
        result = compare(con, table, f"duck.{table}", f"pub.{table}", KEYS[table], TOLERANCE)
    print(f"{table}: {result.rows} rows, max |diff| {result.max_abs_diff}")
    assert result.rows > 0
    assert not result.problems, result.problems


def test_constraints_test_catches_a_violating_row_on_spark_only(runs):
    """The constraints test passes on the Spark run's clean tables; after a row with NULL keys
    is put into a contracted mart on Spark it fails; on DuckDB it does not exist (DuckDB
    enforces the constraints itself)."""
    work = runs["work"]
    env = dict(
        os.environ,
        BONDHEDGE_SPARK_DIR=str(work / "spark"),
        DBT_TARGET_PATH=str(work / "bad_target"),
        DBT_LOG_PATH=str(work / "bad_logs"),
    )
    # a row with only its date: tenor_years, the yields... NULL, against not_null constraints
    bad = json.dumps({"sql": "insert into marts.breakevens (`date`) values (date'1999-01-04')"})
    proc = subprocess.run(
        [
            str(SPARK_PYTHON),
            "spark/run_dbt.py",
            f"test --select {CONSTRAINTS_TEST}",
            f"run-operation run_query --args {shlex.quote(bad)}",
            f"test --select {CONSTRAINTS_TEST}",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=2400,
    )
    assert proc.returncode == 1, proc.stdout[-4000:]
    lines = [line for line in proc.stdout.splitlines() if line.startswith("[spark]")]
    # the Spark run's clean tables pass; with the bad row the test fails
    test_line = f"[spark] dbt test --select {CONSTRAINTS_TEST}"
    assert lines[0].startswith(f"{test_line}: wall"), lines
    assert lines[1].startswith("[spark] dbt run-operation run_query"), lines
    assert lines[2].startswith(f"{test_line}: wall"), lines
    assert lines[3].startswith(f"{test_line} failed"), lines
    results = json.loads((work / "bad_target" / "run_results.json").read_text())["results"]
    (test,) = [r for r in results if CONSTRAINTS_TEST in r["unique_id"]]
    assert test["status"] == "fail" and test["failures"] >= 1, test
    # DuckDB: the test is disabled in the manifest Dagster runs, so no DuckDB build runs it
    manifest = json.loads(dbt_project.manifest_path.read_text())
    assert not [n for n in manifest["nodes"] if CONSTRAINTS_TEST in n]
    assert [n for n in manifest["disabled"] if CONSTRAINTS_TEST in n]


def test_spark_target_dbt_step_takes_no_writer_pool():
    """The duckdb_writer pool is for steps that write the DuckDB file: on the spark target
    (BONDHEDGE_DBT_TARGET=spark when the definitions load) the dbt step does not claim it,
    landing and publish still do; on DuckDB all three do."""
    script = (
        "import json\nfrom orchestration.definitions import defs\n"
        "job = defs.resolve_job_def('refresh_all')\n"
        "print(json.dumps({n.name: n.definition.pool for n in job.graph.node_dict.values()}))"
    )
    pools = {}
    for target in ("dev", "spark"):
        env = dict(os.environ, BONDHEDGE_DBT_TARGET=target)
        proc = subprocess.run(
            [str(Path(DBT_EXECUTABLE).with_name("python")), "-c", script],
            cwd=PROJECT_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        pools[target] = json.loads(proc.stdout.strip().splitlines()[-1])
    for target in ("dev", "spark"):
        assert pools[target]["land_raw_series"] == WRITER_POOL
        assert pools[target]["published__bondhedge"] == WRITER_POOL
        assert pools[target]["mart_pandera_checks"] is None
    assert pools["dev"]["bondhedge_dbt_models"] == WRITER_POOL
    assert pools["spark"]["bondhedge_dbt_models"] is None
