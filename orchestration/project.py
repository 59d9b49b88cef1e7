"""The dbt project as Dagster sees it (dbt_project.yml sits at the repository root)."""

from __future__ import annotations

from dagster_dbt import DbtProject

from ingestion.catalog import PROJECT_ROOT

dbt_project = DbtProject(
    project_dir=PROJECT_ROOT,
    target_path=PROJECT_ROOT / "target",
    profiles_dir=PROJECT_ROOT,
)
# Under `dagster dev` this runs `dbt parse` when the manifest is missing or stale; elsewhere
# (`make run`, CI) the Makefile prepares it with `dagster-dbt project prepare-and-package`.
dbt_project.prepare_if_dev()
