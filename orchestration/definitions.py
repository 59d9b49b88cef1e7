"""The Dagster code location: raw landing, dbt models, checks, jobs and the schedule.

Loadable from the repository root by ``dagster dev`` / ``dagster asset materialize -m
orchestration.definitions``. Nothing here opens a connection at import time.
"""

from __future__ import annotations

import dagster as dg

from orchestration.assets.dbt import DBT_EXECUTABLE, BondhedgeDbtResource, bondhedge_dbt_models
from orchestration.assets.publish import published_warehouse
from orchestration.assets.raw import land_raw_series
from orchestration.assets.report import hedge_report
from orchestration.checks import mart_pandera_checks
from orchestration.progress import bondhedge_progress
from orchestration.project import dbt_project
from orchestration.resources import default_resources
from orchestration.schedules import jobs, schedules

#: who answers for each layer (Dagster shows owners on every asset page and in the catalog)
OWNERS = {
    "raw": ["team:data-engineering"],
    "staging": ["team:data-engineering"],
    "intermediate": ["team:analytics"],
    "marts": ["team:analytics"],
    "reference": ["team:analytics"],
    "published": ["team:data-engineering"],
    "reports": ["team:analytics"],
}


def _operator_view(spec: dg.AssetSpec) -> dg.AssetSpec:
    """Owners and tags by layer, so the catalog can be filtered by team and layer."""
    layer = spec.key.path[0]
    tags = {
        "layer": layer,
        "product": "bondhedge",
        "answer": "true" if layer in ("marts", "published", "reports") else "false",
    }
    return spec.replace_attributes(
        owners=spec.owners or OWNERS.get(layer, ["team:data-engineering"]),
        tags={**tags, **spec.tags},
    )


ASSETS = dg.map_asset_specs(
    _operator_view, [land_raw_series, bondhedge_dbt_models, published_warehouse, hedge_report]
)

defs = dg.Definitions(
    assets=ASSETS,
    asset_checks=[mart_pandera_checks],
    jobs=jobs,
    schedules=schedules,
    # one process runs the steps in order: DuckDB takes a single writer
    executor=dg.in_process_executor,
    # console stays the default; `make run` configures bondhedge_progress instead
    loggers={"console": dg.colored_console_logger, "bondhedge_progress": bondhedge_progress},
    resources={
        **default_resources(),
        "dbt": BondhedgeDbtResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    },
)
