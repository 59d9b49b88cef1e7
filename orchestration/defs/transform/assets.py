"""dbt models, seeds and tests as Dagster assets and asset checks (dagster-dbt).

Keys, groups and check descriptions come from the translator (``translator.py``); the
warehouse file reaches dbt as a ``--vars`` value from the warehouse resource (profiles.yml
reads ``var('warehouse_path')``), never through the process environment.
"""

import dagster as dg
from dagster_dbt import dbt_assets

from ingestion.warehouse import derived_build
from orchestration.defs.resources import WarehouseResource
from orchestration.defs.transform.metadata import table_metadata
from orchestration.defs.transform.project import dbt_project
from orchestration.defs.transform.resources import BondhedgeDbtResource, is_spark
from orchestration.defs.transform.spark_build import spark_build
from orchestration.defs.transform.translator import translator
from orchestration.lib import settings, table_stats
from orchestration.run_launcher import WRITER_POOL


class DbtBuildConfig(dg.Config):
    """Launchpad options for the dbt step."""

    full_refresh: bool = False
    """Rebuild the incremental models from scratch: needed after changing a seed (the
    catalogs), a dbt var or an incremental model's SQL; routine refreshes never need it."""


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    # the writer pool is DuckDB's (one writer process): the Spark build writes no DuckDB file
    pool=None if is_spark(settings.dbt_target()) else WRITER_POOL,
)
def bondhedge_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: BondhedgeDbtResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """`dbt build` (models, seeds and their tests) under the warehouse's writer lock.

    Events are yielded as dbt reports each node. Each materialization carries the row count,
    date range, preview and business metrics that dbt measured right after building the node
    (a post-hook logs them: ``orchestration/lib/table_stats.py``); dagster-dbt's own row-count
    fetch, or any read of the warehouse here, would wait on the dbt process, which holds
    DuckDB's single-writer lock until it exits.

    On the ``spark`` target (the dbt resource's ``target``) the build runs on Spark instead
    (``spark_build.py``); the pool follows ``BONDHEDGE_DBT_TARGET``, read when the definitions
    load, so a launchpad switch to spark keeps the (then needless) writer slot.
    """
    if dbt.is_spark:
        yield from spark_build(context, dbt, warehouse, config.full_refresh)
        return
    command = ["build", "--vars", settings.dbt_vars(warehouse.file)]
    with (
        warehouse.writing(),
        derived_build(warehouse.file, lock_timeout_seconds=warehouse.lock_timeout_seconds),
    ):
        invocation = dbt.cli(
            [*command, "--full-refresh"] if config.full_refresh else command,
            context=context,
            target_path=dbt_project.target_path / "dagster_run",
            raise_on_error=False,
        )
        total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
        step, done = max(total // 10, 1), 0
        measured: dict[str, dict] = {}
        for raw in invocation.stream_raw_events():
            line = table_stats.read_log_line(raw.raw_event)
            if line:
                measured[line[0]] = line[1]
                continue
            unique_id = (raw.raw_event["data"].get("node_info") or {}).get("unique_id")
            for event in raw.to_default_asset_events(
                manifest=invocation.manifest,
                dagster_dbt_translator=invocation.dagster_dbt_translator,
                context=context,
                target_path=invocation.target_path,
                project=invocation.project,
            ):
                if isinstance(event, dg.Output | dg.AssetMaterialization) and (
                    unique_id in measured
                ):
                    stats = table_metadata(measured.pop(unique_id))
                    event = event.with_metadata({**event.metadata, **stats})
                yield event
                done += 1
                # a few lines for `make run`'s progress bar (each log line is an event write)
                if done % step == 0 and done < total:
                    context.log.debug(f"dbt progress {done}/{total}")
        context.log.debug(f"dbt progress {total}/{total}")
    if not invocation.is_successful():
        raise dg.Failure(
            "dbt build failed: a model or a blocking test failed, so nothing downstream of it "
            "was published. See the dbt logs above and the failed asset checks.",
            metadata={"dbt_log": dg.MetadataValue.path(str(invocation.target_path))},
        )
