"""The dbt Python models on Spark give what they give on DuckDB (issue 13).

int_hedge_bootstrap (seeded numpy bootstrap) and int_markov_regimes (statsmodels
MarkovRegression) run on the `spark` target through the `session` submission method
(spark/python_session.py, registered by spark/run_dbt.py), reading their inputs with dbt.ref
(a Spark DataFrame there, a DuckDB relation here; dbt_project/python/model_io.py). The same
landing is built by dbt-duckdb and dbt-spark; each of the two models and the SQL models
directly downstream of them, and hedge_scorecard (which reads the Markov regime and the
rule-based regimes; PYTHON_MODEL_KEYS in tests/parity.py) must match DuckDB's build:
same keys and rows, non-float columns equal (the bootstrap's replicate lists and the input
fingerprints included), floats within 1e-9.

The sample starts in 2020 (not 2023-06 as in test_spark_parity): the Markov fit needs 60
complete months, and the eras "2000-2021" and "2022 on" each get months. Then Spark builds the
two models again on the unchanged input: every row must be reused (`reused`, by input
fingerprint, through the incremental `insert_overwrite` that stands for DuckDB's
`replace_all`) and equal to the first build.

Skips only when the Spark environment cannot be installed (`make spark-env` fails).
"""

from __future__ import annotations

import os
import subprocess
from datetime import date

import pytest

from ingestion.catalog import PROJECT_ROOT
from ingestion.landing import land_series
from ingestion.parquet_export import export_raw
from ingestion.sources.sample import SampleSource
from tests.parity import PYTHON_MODEL_KEYS, compare
from tests.test_spark_parity import (
    FIRST_END,
    SPARK_PYTHON,
    TOLERANCE,
    _connect,
    _duckdb_build,
    _export_args,
    _register_args,
    _spark,
)

#: the Markov fit needs >= 60 complete months (int_markov_regimes); 2020-01 gives 76
LONG_START = date(2020, 1, 1)
PYTHON_MODELS = ("int_hedge_bootstrap", "int_markov_regimes")
SELECT = "+hedge_answer +markov_regime_fit +markov_regimes +hedge_scorecard"


class LongerSample(SampleSource):
    """The synthetic sample from LONG_START only."""

    def fetch(self, series, start, end):
        return super().fetch(series, max(start or LONG_START, LONG_START), end)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    make = subprocess.run(
        ["make", "spark-env"], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=1800
    )
    if make.returncode != 0 or not SPARK_PYTHON.exists():
        pytest.skip(f"the Spark environment could not be installed: {make.stderr[-2000:]}")

    work = tmp_path_factory.mktemp("spark_python")
    landing = work / "landing" / "warehouse.duckdb"
    landing.parent.mkdir()
    assert land_series(landing, LongerSample(end_date=FIRST_END)).failed == []
    export_raw(landing, work / "raw")
    duck = _duckdb_build(landing, work / "duck", *SELECT.split())

    env = dict(os.environ)
    env.update(
        BONDHEDGE_SPARK_DIR=str(work / "spark"),
        DBT_TARGET_PATH=str(work / "spark_target"),
        DBT_LOG_PATH=str(work / "spark_logs"),
        DBT_SEND_ANONYMOUS_USAGE_STATS="false",
    )
    intermediate = [t for t in PYTHON_MODEL_KEYS if t.split(".")[1] in PYTHON_MODELS]
    commands = [
        _register_args(work / "raw"),
        "seed --full-refresh",
        f"run --select {SELECT}",
        _export_args(list(PYTHON_MODEL_KEYS), work / "spark_v1"),
        f"run --select {' '.join(PYTHON_MODELS)}",  # unchanged input: reuse every row
        _export_args(intermediate, work / "spark_reused"),
    ]
    proc = subprocess.run(
        [str(SPARK_PYTHON), "spark/run_dbt.py", *commands],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=3600,
    )
    print("\n".join(line for line in proc.stdout.splitlines() if line.startswith("[spark]")))
    if proc.returncode != 0:
        raise AssertionError(f"Spark build failed:\n{proc.stdout[-8000:]}\n{proc.stderr[-3000:]}")
    return {"work": work, "duck": duck, "intermediate": intermediate}


@pytest.mark.slow
@pytest.mark.parametrize("table", list(PYTHON_MODEL_KEYS))
def test_spark_python_models_match_duckdb(builds, table):
    """DuckDB's build is the reference; Spark's must match it."""
    con = _connect(builds["duck"])
    result = compare(
        con,
        table,
        f"warehouse.{table}",
        _spark(builds["work"] / "spark_v1", table),
        PYTHON_MODEL_KEYS[table],
        TOLERANCE,
    )
    print(f"{table}: {result.rows} rows, max |diff| per float column {result.max_abs_diff}")
    assert result.rows > 0
    assert not result.problems, result.problems


@pytest.mark.slow
@pytest.mark.parametrize("model", PYTHON_MODELS)
def test_spark_rebuild_reuses_every_row(builds, model):
    """The second build on unchanged input copies every stored row (reused = true) and
    leaves the table as the first build wrote it (reused aside)."""
    table = next(t for t in builds["intermediate"] if t.endswith(model))
    con = _connect(builds["duck"])
    first = _spark(builds["work"] / "spark_v1", table)
    again = _spark(builds["work"] / "spark_reused", table)
    reused, total, first_reused = con.execute(
        f"select count(*) filter (where reused), count(*), "
        f"(select count(*) filter (where reused) from {first}) from {again}"
    ).fetchone()
    assert total > 0 and reused == total and first_reused == 0
    con.execute(f"create view first_build as select * exclude (reused) from {first}")
    con.execute(f"create view second_build as select * exclude (reused) from {again}")
    result = compare(con, table, "first_build", "second_build", PYTHON_MODEL_KEYS[table], tol=0.0)
    assert not result.problems, result.problems
