"""The dbt step on the ``spark`` target (issue 13): raw from DuckDB to Parquet, dbt on Spark,
the published tables back as Parquet.

The landing still writes the working DuckDB warehouse. This step reads it (under its writer
lock, read-only: it writes no DuckDB file, so it takes no ``duckdb_writer`` slot) into
``<spark dir>/raw`` (ingestion/parquet_export.py), runs ``dbt build`` with the Spark
environment's dbt (dbt_project.yml's run hooks register that export as the ``raw`` source and,
after the build, export every table built in the published schemas to ``<spark dir>/export``),
then ``dbt test`` of the contracted models' constraints, which Spark tables cannot enforce
(tests/spark_contract_constraints.sql). The publish step loads the export.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import dagster as dg

from ingestion.parquet_export import export_raw
from ingestion.warehouse import writer_lock
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import settings
from orchestration.lib.publication import PUBLISHED_SCHEMAS, SOURCE_RELATION

#: the singular test that checks the contracts' constraints where they are not enforced
CONSTRAINTS_TEST = "spark_contract_constraints"


def spark_vars(warehouse: WarehouseResource) -> dict:
    """The dbt vars of the Spark build: where raw comes from and where the export goes."""
    spark = settings.spark_dir()
    return {
        "warehouse_path": str(warehouse.file),
        "spark_raw_dir": str(spark / "raw"),
        "spark_export": {
            "dir": str(export_dir()),
            "schemas": list(PUBLISHED_SCHEMAS),
            "extra": [SOURCE_RELATION],
        },
    }


def export_dir() -> Path:
    """Spark's Parquet export of the published tables: ``<dir>/<schema>/<table>/*.parquet``."""
    return settings.spark_dir() / "export"


def export_landing(warehouse: WarehouseResource, log) -> None:
    """Copy the raw landing to Parquet for Spark (a read of the DuckDB file, under its lock)."""
    raw = settings.spark_dir() / "raw"
    with writer_lock(warehouse.file, warehouse.lock_timeout_seconds):
        counts = export_raw(warehouse.file, raw)
    log.info(f"raw landing exported for Spark to {raw}: {counts}")


def _dbt_failures(run_results: dict) -> list[str]:
    return [
        f"{r['unique_id']}: {r['status']} ({(r.get('message') or '').strip()[:300]})"
        for r in run_results.get("results", [])
        if r.get("status") in ("error", "fail")
    ]


def spark_build(
    context: dg.AssetExecutionContext, dbt, warehouse: WarehouseResource, full_refresh: bool
) -> Iterator:
    """Yield the dbt events of the Spark build; raise after them if anything failed."""
    export_landing(warehouse, context.log)
    # the constraints test runs after the build, on what it wrote (below); inside the build it
    # would run first, having no parents
    args = ["build", "--vars", json.dumps(spark_vars(warehouse)), "--exclude", CONSTRAINTS_TEST]
    invocation = dbt.cli(
        [*args, "--full-refresh"] if full_refresh else args,
        context=context,
        raise_on_error=False,
    )
    yield from invocation.stream()
    if not invocation.is_successful():
        raise dg.Failure(
            "dbt build on Spark failed: a model or a blocking test failed, so nothing downstream "
            "of it was published. See the dbt logs above and the failed asset checks.",
            metadata={"dbt_log": dg.MetadataValue.path(str(invocation.target_path))},
        )
    # the constraints test reads the tables the build just wrote: a second dbt process (a
    # test with no parents would run first inside the build)
    test = dbt.cli(["test", "--select", CONSTRAINTS_TEST], raise_on_error=False).wait()
    failures = _dbt_failures(test.get_artifact("run_results.json"))
    if failures or not test.is_successful():
        raise dg.Failure(
            "a contracted model breaks its constraints on Spark (not_null / check, enforced "
            f"by {CONSTRAINTS_TEST}): " + "; ".join(failures or ["see the dbt log"]),
            metadata={"dbt_log": dg.MetadataValue.path(str(test.target_path))},
        )
    context.log.info(f"{CONSTRAINTS_TEST}: every contracted table keeps its constraints")
