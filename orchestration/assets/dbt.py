"""dbt models, seeds and tests as Dagster assets and asset checks (dagster-dbt).

The translator makes the dbt source ``raw.observations`` the same asset the landing step
materializes, so lineage runs unbroken from each fetch to the marts, and keys every model by
its schema (``staging/...``, ``marts/...``) so the UI groups read like the warehouse.
"""

import importlib.metadata
import os
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import dagster as dg
import duckdb
from dagster_dbt import (
    DagsterDbtTranslator,
    DagsterDbtTranslatorSettings,
    DbtCliResource,
    dbt_assets,
)
from packaging import version

from ingestion.warehouse import derived_build
from orchestration.assets.dbt_metadata import describe_test, table_metadata
from orchestration.project import dbt_project
from orchestration.resources import WRITER_POOL, WarehouseResource

# Marts are rebuilt by the same run that lands raw data; a week without a build is a failure.
MART_FRESHNESS = dg.FreshnessPolicy.time_window(
    fail_window=timedelta(days=7), warn_window=timedelta(days=4)
)


class BondhedgeTranslator(DagsterDbtTranslator):
    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey([dbt_resource_props["source_name"], dbt_resource_props["name"]])
        schema = dbt_resource_props.get("config", {}).get("schema") or "main"
        return dg.AssetKey([schema, dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        return dbt_resource_props.get("config", {}).get("schema") or "default"

    def get_asset_spec(self, manifest, unique_id, project) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        props = self.get_resource_props(manifest, unique_id)
        if props.get("config", {}).get("schema") == "marts":
            spec = spec.replace_attributes(freshness_policy=MART_FRESHNESS)
        return spec

    def get_asset_check_spec(self, asset_spec, manifest, unique_id, project):
        """dbt tests as checks, each with a sentence saying what it checks."""
        spec = super().get_asset_check_spec(asset_spec, manifest, unique_id, project)
        if spec is None or spec.description:
            return spec
        return spec._replace(description=describe_test(manifest["nodes"][unique_id]))


# Source tests (raw.observations: keys unique, dates not null, ...) are checks on the landing
# asset rather than bare observations: dagster-dbt otherwise warns on every run.
translator = BondhedgeTranslator(
    settings=DagsterDbtTranslatorSettings(enable_source_tests_as_checks=True)
)

#: the dbt installed beside this interpreter, whatever PATH says
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))


class BondhedgeDbtResource(DbtCliResource):
    """dagster-dbt's resource, minus a ``dbt --version`` subprocess on every invocation.

    DbtCliResource asks the executable for its version (a second dbt process start, about 3.5 s
    on this machine class) to choose between dbt-core and the Fusion engine. The executable we
    configure is the dbt-core installed beside this interpreter, so its version is the
    installed package's; a different executable still gets asked.
    """

    @cached_property
    def _cli_version(self) -> version.Version:
        if Path(self.dbt_executable).resolve() == Path(DBT_EXECUTABLE).resolve():
            return version.parse(importlib.metadata.version("dbt-core"))
        return super()._cli_version


class DbtBuildConfig(dg.Config):
    """Launchpad options for the dbt step."""

    full_refresh: bool = False
    """Rebuild the incremental models from scratch: needed after changing a seed (the
    catalogs), a dbt var or an incremental model's SQL; routine refreshes never need it."""


@dbt_assets(
    manifest=dbt_project.manifest_path,
    project=dbt_project,
    dagster_dbt_translator=translator,
    pool=WRITER_POOL,
)
def bondhedge_dbt_models(
    context: dg.AssetExecutionContext,
    dbt: DbtCliResource,
    warehouse: WarehouseResource,
    config: DbtBuildConfig,
):
    """`dbt build` (models, seeds and their tests) under the warehouse's writer lock.

    Events are held until dbt exits, then each materialization gets row count, date range and
    a preview read from the warehouse (dagster-dbt's own row-count fetch would open a second
    connection while the dbt process still holds DuckDB's single-writer lock).
    """
    # the dbt subprocess inherits the environment; profiles.yml reads the path from it
    with (
        warehouse_env(warehouse.file),
        warehouse.writing(),
        derived_build(warehouse.file, lock_timeout_seconds=warehouse.lock_timeout_seconds),
    ):
        invocation = dbt.cli(
            ["build", "--full-refresh"] if config.full_refresh else ["build"],
            context=context,
            target_path=dbt_project.target_path / "dagster_run",
            raise_on_error=False,
        )
        events = []
        total = len(context.selected_asset_keys) + len(context.selected_asset_check_keys)
        step = max(total // 10, 1)
        for event in invocation.stream():
            events.append(event)
            # a few lines for `make run`'s progress bar (each log line is an event write)
            if len(events) % step == 0 and len(events) < total:
                context.log.debug(f"dbt progress {len(events)}/{total}")
        context.log.debug(f"dbt progress {total}/{total}")
        with duckdb.connect(str(warehouse.file), read_only=True) as con:
            for event in events:
                if isinstance(event, dg.Output | dg.AssetMaterialization):
                    key = (
                        event.asset_key
                        if isinstance(event, dg.AssetMaterialization)
                        else (context.asset_key_for_output(event.output_name))
                    )
                    event = event.with_metadata({**event.metadata, **table_metadata(con, key)})
                yield event
    if not invocation.is_successful():
        raise dg.Failure(
            "dbt build failed: a model or a blocking test failed, so nothing downstream of it "
            "was published. See the dbt logs above and the failed asset checks.",
            metadata={"dbt_log": dg.MetadataValue.path(str(invocation.target_path))},
        )


@contextmanager
def warehouse_env(path: Path) -> Iterator[None]:
    """Set BONDHEDGE_WAREHOUSE for the dbt subprocess, and put the old value back after."""
    before = os.environ.get("BONDHEDGE_WAREHOUSE")
    os.environ["BONDHEDGE_WAREHOUSE"] = str(path)
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("BONDHEDGE_WAREHOUSE", None)
        else:
            os.environ["BONDHEDGE_WAREHOUSE"] = before
