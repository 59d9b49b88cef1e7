"""The dbt models ported to Spark so far (issue 13), and the key of each: the ONE list.

Temporary: until every model builds on the `spark` target, it is what the Spark run builds
(``make run TARGET=spark`` and the Dagster job select these models, the raw landing, the
pandera checks of the ported marts and the publish step) and what tests/test_spark_parity.py
compares with DuckDB. When the last model is ported, the Spark run selects everything and this
list only serves the parity test.
"""

from __future__ import annotations

#: the models ported to Spark (issue 13: first slice, then the returns chain) and the key of each.
PORTED_KEYS: dict[str, tuple[str, ...]] = {
    "reference.series_catalog": ("series_id",),
    "reference.asset_catalog": ("asset_id",),
    "staging.stg_series_catalog": ("series_id",),
    "staging.stg_asset_catalog": ("asset_id",),
    "staging.stg_observations": ("series_id", "observation_date"),
    "staging.stg_load_log": ("run_id", "series_id"),
    "staging.stg_warehouse_source": ("data_source",),
    "intermediate.int_business_calendar": ("calendar_date",),
    "intermediate.int_observations_daily": ("series_id", "calendar_date"),
    "intermediate.int_series_availability": ("series_id",),
    "marts.breakevens": ("date", "tenor_years"),
    "intermediate.int_reference_cpi_daily": ("series_id", "calendar_date"),
    "intermediate.int_curve_slopes_daily": ("asset_id", "calendar_date"),
    "intermediate.int_dividend_accrual_daily": ("asset_id", "calendar_date"),
    "intermediate.int_asset_returns_daily": ("asset_id", "calendar_date"),
    "intermediate.int_cash_returns_daily": ("calendar_date",),
    "intermediate.int_asset_returns_periodic": ("asset_id", "frequency", "period_key"),
    "intermediate.int_asset_returns": ("asset_id", "frequency", "period_end"),
    "marts.asset_returns": ("asset_id", "frequency", "period_end"),
    "marts.calendar_year_returns": ("year", "asset_id"),
}


def ported_tables() -> list[tuple[str, str]]:
    """(schema, name) of every ported model and seed, in the list's order."""
    return [tuple(table.split(".", 1)) for table in PORTED_KEYS]  # type: ignore[misc]
