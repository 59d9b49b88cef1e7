-- One row per catalog series: is it in this warehouse, over which dates, and if not, why.
-- Marts use it to leave a column null *with the reason* when a source cannot provide a series
-- (e.g. the CSV folder has no DTWEXBGS file), instead of failing or silently showing nothing.
with catalog as (
    select
        series_id,
        title
    from {{ ref('stg_series_catalog') }}
),

observed as (
    select
        series_id,
        min(observation_date) as first_date,
        max(observation_date) as last_date,
        count(*) as n_observations
    from {{ ref('stg_observations') }}
    group by series_id
),

latest_attempt as (
    select
        series_id,
        status,
        error
    from {{ ref('stg_load_log') }}
    where is_latest
)

select
    catalog.series_id,
    catalog.title,
    observed.series_id is not null as is_available,
    observed.first_date,
    observed.last_date,
    coalesce(observed.n_observations, 0) as n_observations,
    latest_attempt.status as last_load_status,
    case
        when observed.series_id is not null then null
        when latest_attempt.error is not null
            then
                catalog.series_id || ' not in this warehouse (' || latest_attempt.status
                || '): ' || latest_attempt.error
        when latest_attempt.status is not null
            then
                catalog.series_id || ' not in this warehouse (last load status '
                || latest_attempt.status || ')'
        else catalog.series_id || ' not in this warehouse (never loaded)'
    end as unavailable_reason
from catalog
left join observed on catalog.series_id = observed.series_id
left join latest_attempt on catalog.series_id = latest_attempt.series_id
