"""The publish asset: runs only after every mart and its blocking checks succeeded."""

import dagster as dg

from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform import assets as transform
from orchestration.defs.transform.resources import BondhedgeDbtResource
from orchestration.defs.transform.spark_build import export_dir
from orchestration.lib.publication import publish
from orchestration.run_launcher import WRITER_POOL

# (the module, not the asset, is imported: the defs loader collects every asset a module holds)
MART_KEYS = [k for k in transform.bondhedge_dbt_models.keys if k.path[0] == "marts"]


@dg.asset(
    key=["published", "bondhedge"],
    deps=MART_KEYS,
    group_name="published",
    kinds={"duckdb"},
    description=(
        "Read-only analytics file for BI tools: the audited marts, swapped in atomically "
        "after every blocking check passed. Connect with read_only=True."
    ),
    pool=WRITER_POOL,
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource, dbt: BondhedgeDbtResource
) -> dg.MaterializeResult:
    # on the spark target the marts come from Spark's Parquet export, into the same file
    spark_export = export_dir() if dbt.is_spark else None
    with warehouse.writing():
        pub = publish(
            warehouse.file,
            warehouse.published_file,
            run_id=context.run.run_id,
            spark_export=spark_export,
        )
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(pub.path)),
            "source": pub.source,
            "dbt_target": dbt.target or "dev",
            "published_at": pub.published_at.isoformat(timespec="seconds"),
            "tables": len(pub.tables),
            "dagster/row_count": sum(pub.tables.values()),
            "table_rows": dg.MetadataValue.json(pub.tables),
        }
    )
