-- Every catalog series on the business-day calendar, so series with different holidays
-- (bond vs stock market) line up. The value is the latest observation on or before the day
-- (an as-of join), carried forward at most `ffill_max_business_days` business days for daily
-- series and `ffill_max_business_days_monthly` for monthly ones (dated the 1st of their
-- month, FRED's convention, so one print covers its month). Beyond the bound the row is
-- absent: a stale value is never presented as current.
-- Incremental: a run recomputes the days from the earliest changed observation (or the
-- trailing look-back, whichever is earlier) and replaces them; see macros/incremental.sql
-- (and macros/portable.sql for the as-of join and the incremental strategy on Spark).
{{ config(**replace_from_config(
    'calendar_date', 'observations_refresh_from', ['series_id', 'calendar_date'],
)) }}

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
    where calendar.calendar_date >= {{ replace_from_cutoff(observations_refresh_from()) }}  -- noqa: LT02
    {%- endif %}
),

as_of as (
    {{ asof_join(
        'grid', 'observations', 'calendar_date', 'observation_date',
        {'source_date': 'observation_date', 'value': 'value', 'source': 'source',
         'loaded_at': 'loaded_at'},
        by=['series_id'],
    ) }}
),

source_days as (
    {{ asof_join(
        'as_of', 'calendar', 'source_date', 'calendar_date',
        {'source_day_index': 'business_day_index'}, join_type='left',
    ) }}
),

with_staleness as (
    select
        *,
        business_day_index - source_day_index as business_days_stale
    from source_days
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
    {{ build_timestamp() }} as built_at{{ replace_from_partition_column('calendar_date') }}  -- noqa: LT02
from with_staleness
where
    coalesce(business_days_stale, 0) <= case
        when frequency = 'monthly' then {{ var('ffill_max_business_days_monthly') }}
        else {{ var('ffill_max_business_days') }}
    end
