-- Typed raw observations joined to the catalog, one row per series and date with a value.
-- Units: series published in percent are converted to decimals (4.25 % -> 0.0425) in `value`;
-- `value_published` keeps the number as the source printed it.
with observations as (
    select
        series_id,
        observation_date,
        value,
        source,
        loaded_at
    from {{ source('raw', 'observations') }}
    where value is not null
),

catalog as (
    select * from {{ ref('stg_series_catalog') }}
)

select
    observations.series_id,
    observations.observation_date,
    catalog.category,
    catalog.role,
    catalog.frequency,
    catalog.tenor_years,
    observations.value as value_published,
    catalog.unit as unit_published,
    case
        when catalog.unit = 'percent' then observations.value / 100.0
        else observations.value
    end as value,  -- noqa: RF04
    case when catalog.unit = 'percent' then 'decimal' else catalog.unit end as unit,
    observations.source,
    observations.loaded_at
from observations
inner join catalog on observations.series_id = catalog.series_id
