-- Every catalog series on the business-day calendar, so series with different holidays
-- (bond vs stock market) line up. The value is the latest observation on or before the day
-- (an as-of join), carried forward at most `ffill_max_business_days` business days for daily
-- series and `ffill_max_business_days_monthly` for monthly ones (dated the 1st of their
-- month, FRED's convention, so one print covers its month). Beyond the bound the row is
-- absent: a stale value is never presented as current.
-- Incremental: a run recomputes the days from the earliest changed observation (or the
-- trailing look-back, whichever is earlier) and replaces them; see macros/incremental.sql.
{{ config(
    materialized='incremental',
    incremental_strategy='replace_from',
    replace_from_column='calendar_date',
    replace_from_macro='observations_refresh_from',
    unique_key=['series_id', 'calendar_date'],
    on_schema_change='append_new_columns',
) }}

with calendar as (
    select
        calendar_date,
        business_day_index
    from {{ ref('int_business_calendar') }}
),

observations as (
    select
        series_id,
        frequency,
        observation_date,
        value,
        source,
        loaded_at
    from {{ ref('stg_observations') }}
),

series_span as (
    select
        series_id,
        frequency,
        min(observation_date) as first_date
    from observations
    group by series_id, frequency
),

grid as (
    select
        series_span.series_id,
        series_span.frequency,
        calendar.calendar_date,
        calendar.business_day_index
    from series_span
    inner join calendar on series_span.first_date <= calendar.calendar_date
    {%- if is_incremental() %}
    where calendar.calendar_date >= {{ observations_refresh_from() }}  -- noqa: LT02
    {%- endif %}
),

as_of as (
    select
        grid.series_id,
        grid.frequency,
        grid.calendar_date,
        grid.business_day_index,
        observations.observation_date as source_date,
        observations.value,
        observations.source,
        observations.loaded_at
    from grid
    asof inner join observations
        on
            grid.series_id = observations.series_id
            and grid.calendar_date >= observations.observation_date
),

with_staleness as (
    select
        as_of.*,
        as_of.business_day_index - source_day.business_day_index as business_days_stale
    from as_of
    asof left join calendar as source_day
        on as_of.source_date >= source_day.calendar_date
)

select
    series_id,
    calendar_date,
    value,
    source_date,
    coalesce(business_days_stale, 0) as business_days_stale,
    source_date <> calendar_date as is_filled,
    source,
    loaded_at,
    {{ build_timestamp() }} as built_at
from with_staleness
where
    coalesce(business_days_stale, 0) <= case
        when frequency = 'monthly' then {{ var('ffill_max_business_days_monthly') }}
        else {{ var('ffill_max_business_days') }}
    end
