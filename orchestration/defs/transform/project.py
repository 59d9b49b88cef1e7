"""The dbt project as Dagster sees it (dbt_project.yml sits at the repository root)."""

from __future__ import annotations

import os
import shutil
import sys
from datetime import timedelta
from pathlib import Path

import dagster as dg
from dagster_dbt import DbtProject
from dagster_dbt.dbt_manifest import validate_manifest

from ingestion.catalog import PROJECT_ROOT
from orchestration.lib import settings

dbt_project = DbtProject(
    project_dir=PROJECT_ROOT,
    target_path=PROJECT_ROOT / "target",
    profiles_dir=PROJECT_ROOT,
    # parsed with the --vars the run's dbt step passes (this environment's warehouse file), so
    # the first run after `make` prepares reuses dbt's partial-parse cache instead of a full
    # re-parse (dbt drops the cache when the --vars or the rendered profile differ)
    prepare_project_cli_args=["parse", "--quiet", "--vars", settings.dbt_vars()],
)
# `dg check defs` run as `.venv/bin/dg` (no activated venv) would not find dbt on PATH when
# prepare_if_dev parses: dbt is installed beside this interpreter, so look there too
if shutil.which("dbt") is None and (Path(sys.executable).parent / "dbt").exists():
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
# Under `dg dev` / `dagster dev` this runs `dbt parse` when the manifest is missing or stale;
# elsewhere (`make run`, CI) the Makefile prepares it (`dagster-dbt project prepare-and-package`).
dbt_project.prepare_if_dev()

_PERIODS = {"minute": timedelta(minutes=1), "hour": timedelta(hours=1), "day": timedelta(days=1)}


def source_freshness_policy(source: str, table: str) -> dg.FreshnessPolicy:
    """The dbt source's own freshness rule (``_sources.yml``) as a Dagster freshness policy.

    The rule is stated once, in dbt: ``dbt source freshness`` and the Dagster UI warn and fail
    after the same ages (warn_after -> warn_window, error_after -> fail_window). The manifest is
    the one dagster-dbt already read (cached), so this costs no second parse.
    """
    manifest = validate_manifest(dbt_project.manifest_path)
    unique_id = f"source.{manifest['metadata']['project_name']}.{source}.{table}"
    node = manifest["sources"][unique_id]
    rule = (node.get("config") or {}).get("freshness") or node.get("freshness") or {}

    def window(name: str) -> timedelta:
        after = rule.get(name) or {}
        if not after.get("count") or after.get("period") not in _PERIODS:
            raise ValueError(
                f"dbt source {source}.{table} has no usable freshness {name} ({after!r}): "
                "give it `count` and `period` (minute, hour or day) in _sources.yml"
            )
        return after["count"] * _PERIODS[after["period"]]

    return dg.FreshnessPolicy.time_window(
        fail_window=window("error_after"), warn_window=window("warn_after")
    )
