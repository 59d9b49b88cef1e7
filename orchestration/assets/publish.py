"""The publish asset: runs only after every mart and its blocking checks succeeded."""

import dagster as dg

from orchestration.assets.dbt import bondhedge_dbt_models
from orchestration.publish import publish
from orchestration.resources import WarehouseResource

MART_KEYS = [k for k in bondhedge_dbt_models.keys if k.path[0] == "marts"]


@dg.asset(
    key=["published", "bondhedge"],
    deps=MART_KEYS,
    group_name="published",
    kinds={"duckdb"},
    description=(
        "Read-only analytics file for BI tools: the audited marts, swapped in atomically "
        "after every blocking check passed. Connect with read_only=True."
    ),
    pool="duckdb_writer",
)
def published_warehouse(
    context: dg.AssetExecutionContext, warehouse: WarehouseResource
) -> dg.MaterializeResult:
    with warehouse.writing():
        pub = publish(warehouse.file, warehouse.published_file, run_id=context.run.run_id)
    return dg.MaterializeResult(
        metadata={
            "path": dg.MetadataValue.path(str(pub.path)),
            "source": pub.source,
            "published_at": pub.published_at.isoformat(timespec="seconds"),
            "tables": len(pub.tables),
            "dagster/row_count": sum(pub.tables.values()),
            "table_rows": dg.MetadataValue.json(pub.tables),
        }
    )
