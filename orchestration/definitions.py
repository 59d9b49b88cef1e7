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
from orchestration.project import dbt_project
from orchestration.resources import default_resources
from orchestration.schedules import jobs, schedules

defs = dg.Definitions(
    assets=[land_raw_series, bondhedge_dbt_models, published_warehouse, hedge_report],
    asset_checks=[mart_pandera_checks],
    jobs=jobs,
    schedules=schedules,
    # one process runs the steps in order: DuckDB takes a single writer
    executor=dg.in_process_executor,
    resources={
        **default_resources(),
        "dbt": BondhedgeDbtResource(project_dir=dbt_project, dbt_executable=DBT_EXECUTABLE),
    },
)
