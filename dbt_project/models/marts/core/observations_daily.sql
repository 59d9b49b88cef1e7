-- Every catalog series on the business-day calendar, with the bounded forward fill
-- (int_observations_daily, with the data source): the aligned inputs for charts and
-- notebooks, published with the other marts. Incremental like its source: a run copies only
-- the days int_observations_daily rewrote (macros/incremental.sql).
{{ config(
    contract={'enforced': true},
    materialized='incremental',
    incremental_strategy='replace_from',
    replace_from_column='calendar_date',
    replace_from_macro='observations_copy_from',
    unique_key=['series_id', 'calendar_date'],
    on_schema_change='append_new_columns',
) }}

select
    observations.series_id,
    observations.calendar_date,
    observations.value,
    observations.source_date,
    observations.business_days_stale,
    observations.is_filled,
    observations.source,
    observations.loaded_at,
    observations.built_at,
    {{ data_source() }}
from {{ ref('int_observations_daily') }} as observations
{%- if is_incremental() %}
where observations.calendar_date >= {{ observations_copy_from() }}  -- noqa: LT02
{%- endif %}
