"""Jobs and the weekday schedule for the live source.

FRED posts the H.15 Treasury yields and most daily market series on the afternoon of each
business day (St. Louis, US Central time); series published a day late (e.g. ICE spreads) are
picked up by the next run's 30-day revision look-back. The schedule therefore runs at 18:00
America/Chicago, Monday to Friday. It is off by default: operators turn it on in the UI (or
set it running with ``dagster schedule start``) for a warehouse fed by ``SOURCE=fred``.
"""

from __future__ import annotations

import dagster as dg

# Every asset in dependency order: land raw series, dbt build, checks, publish, report.
# dbt models are rebuilt by the run that changes their inputs: the job, not an
# automation sensor, so one run holds the single DuckDB writer at a time.
refresh_all = dg.define_asset_job(
    "refresh_all",
    selection=dg.AssetSelection.all(),
    description=(
        "Land every catalog series, dbt build (seeds, models, tests), the pandera checks on "
        "the marts, publish the read-only analytics file, and write the hedge report."
    ),
)

transform_only = dg.define_asset_job(
    "transform_only",
    selection=dg.AssetSelection.all() - dg.AssetSelection.groups("raw"),
    description=(
        "From what is already landed (no fetch): dbt build, the pandera checks, publish and "
        "the hedge report."
    ),
)

weekday_refresh = dg.ScheduleDefinition(
    name="weekday_refresh_after_fred_update",
    job=refresh_all,
    cron_schedule="0 18 * * 1-5",
    execution_timezone="America/Chicago",
    description="Weekdays 18:00 US Central, after FRED's daily update of market series.",
)
