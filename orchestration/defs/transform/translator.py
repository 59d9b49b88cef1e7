"""How dbt nodes become Dagster assets and checks: keys, groups, freshness, test sentences.

The translator makes the dbt source ``raw.observations`` the same asset the landing step
materializes, so lineage runs unbroken from each fetch to the marts, and keys every model by
its schema (``staging/...``, ``marts/...``) so the UI groups read like the warehouse.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings

from orchestration.defs.transform.metadata import describe_test

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
