-- Every catalog series on the business-day calendar, with the bounded forward fill
-- (int_observations_daily, with the data source): the aligned inputs for charts and
-- notebooks, published with the other marts. Incremental like its source: a run copies only
-- the days int_observations_daily rewrote (macros/incremental.sql).
{#- Spark: a plain table, rebuilt from int_observations_daily on every run (the enforced
    contract leaves no room for the partition column of replace_from_config). -#}
{%- if target.type == 'spark' %}
{{ config(contract={'enforced': true}, materialized='table', file_format='parquet') }}
{%- else %}
{{ config(contract={'enforced': true}, **replace_from_config(
    'calendar_date', 'observations_copy_from', ['series_id', 'calendar_date'],
)) }}
{%- endif %}

select
    observations.series_id,
    observations.calendar_date,
    observations.value,
    observations.source_date,
    observations.business_days_stale::bigint as business_days_stale,
    observations.is_filled,
    observations.source,
    -- Spark reads the raw Parquet timestamps as timestamp_ntz
    observations.loaded_at::timestamp as loaded_at,
    observations.built_at,
    {{ data_source() }}
from {{ ref('int_observations_daily') }} as observations
{%- if is_incremental() %}
where observations.calendar_date >= {{ observations_copy_from() }}  -- noqa: LT02
{%- endif %}
