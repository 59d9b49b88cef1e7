"""pandera validation of every mart, surfaced as Dagster asset checks.

The schemas live in :mod:`orchestration.lib.mart_schemas` (generated from the dbt manifest,
no Dagster). A check marked blocking there (a mart that would mislead: correlation outside
[-1, 1], hit rate outside [0, 1], duplicate keys, returns <= -100 %) stops everything downstream
in the same run, above all the publish step, so BI readers never see a misleading mart.
"""

from contextlib import contextmanager

import dagster as dg
import duckdb

from ingestion.sql_quote import ident
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.resources import BondhedgeDbtResource
from orchestration.defs.transform.spark_build import export_dir
from orchestration.lib import spark_tables
from orchestration.lib.mart_schemas import mart_schemas, mart_warnings, validate_mart


def mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])


def mart_check_name(name: str) -> str:
    """The pandera check of one mart (``pandera_hedge_answer``)."""
    return f"pandera_{name}"


@dg.multi_asset_check(
    specs=[
        dg.AssetCheckSpec(
            mart_check_name(name),
            asset=mart_key(name),
            blocking=schema.blocking,
            description=f"pandera schema for marts.{name} (key: {', '.join(schema.key)})",
        )
        for name, schema in mart_schemas().items()
    ],
    can_subset=True,
)
def mart_pandera_checks(
    context: dg.AssetCheckExecutionContext,
    warehouse: WarehouseResource,
    dbt: BondhedgeDbtResource,
):
    with _marts(warehouse, dbt) as (con, relation):
        for check_key in context.selected_asset_check_keys:
            name = check_key.asset_key.path[-1]
            frame = con.execute(f"select * from {relation(name)}").pl()
            failures = validate_mart(name, frame)
            # soft expectations are reported with the result but never fail it
            warnings = mart_warnings(name, frame)
            yield dg.AssetCheckResult(
                asset_key=check_key.asset_key,
                check_name=check_key.name,
                passed=not failures,
                severity=dg.AssetCheckSeverity.ERROR,
                metadata={
                    "rows": frame.height,
                    "failures": "\n".join(failures[:20]) or "none",
                    "warnings": "\n".join(warnings[:20]) or "none",
                },
            )


@contextmanager
def _marts(warehouse: WarehouseResource, dbt: BondhedgeDbtResource):
    """A connection and each mart's relation in it: the working warehouse's, or on the spark
    target Spark's Parquet export as the publish step will load it (what BI will read)."""
    if not dbt.is_spark:
        with warehouse.read() as con:
            yield con, lambda name: f"marts.{ident(name)}"
        return
    with duckdb.connect() as con:
        con.execute("set TimeZone = 'UTC'")
        yield con, lambda name: spark_tables.select_sql(con, export_dir(), f"marts.{name}")
