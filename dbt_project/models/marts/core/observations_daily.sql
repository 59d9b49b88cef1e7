-- Every catalog series on the business-day calendar, with the bounded forward fill
-- (int_observations_daily, with the data source): the aligned inputs for charts and
-- notebooks, published with the other marts.
{{ config(contract={'enforced': true}) }}

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
