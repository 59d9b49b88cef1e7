-- The slope of the yield curve around each bond asset's maturity M, per business day: the
-- roll-down input of int_asset_returns_daily (docs `roll_down_method`).
--   slope = (y(upper tenor) - y(lower tenor)) / (upper tenor - lower tenor)
-- where the lower tenor is the longest tenor shorter than M and the upper tenor the shortest
-- tenor at or beyond M with a value that day, on the curve of the asset's yield series
-- (nominal Treasury CMT for Treasuries and credit, TIPS real yields for TIPS; the
-- discount-basis bill DTB3 is not a curve point). For a Treasury, M is its own tenor, so
-- linear interpolation in maturity gives the yield at the shortened maturity M - dt as
-- y(M) - dt x slope. No row when no tenor below M exists that day (the 3-month bill before
-- DGS1MO starts in 2001, the 5-year TIPS): the bond is then repriced at constant maturity.
with assets as (
    select
        asset_catalog.asset_id,
        asset_catalog.maturity_years,
        series_catalog.category
    from {{ ref('stg_asset_catalog') }} as asset_catalog
    inner join {{ ref('stg_series_catalog') }} as series_catalog
        on asset_catalog.yield_series_id = series_catalog.series_id
),

curve_series as (
    select
        series_id,
        category,
        tenor_years
    from {{ ref('stg_series_catalog') }}
    where
        category in ('treasury_yield', 'real_yield')
        and role <> 'cash_rate'
        and tenor_years is not null
),

points as (
    select
        observations.series_id,
        observations.calendar_date,
        observations.value,
        curve_series.category,
        curve_series.tenor_years
    from {{ ref('int_observations_daily') }} as observations
    inner join curve_series on observations.series_id = curve_series.series_id
),

candidates as (
    select
        assets.asset_id,
        points.calendar_date,
        points.series_id,
        points.tenor_years,
        points.value,
        points.tenor_years < assets.maturity_years as is_below
    from assets
    inner join points on assets.category = points.category
),

brackets as (
    select
        asset_id,
        calendar_date,
        max(tenor_years) filter (where is_below) as lower_tenor,
        {{ arg_max('value', 'tenor_years') }} filter (where is_below) as lower_yield,
        {{ arg_max('series_id', 'tenor_years') }} filter (where is_below) as lower_series_id,
        min(tenor_years) filter (where not is_below) as upper_tenor,
        {{ arg_min('value', 'tenor_years') }} filter (where not is_below) as upper_yield,
        {{ arg_min('series_id', 'tenor_years') }} filter (where not is_below) as upper_series_id
    from candidates
    group by asset_id, calendar_date
)

select
    asset_id,
    calendar_date,
    lower_series_id,
    lower_tenor,
    upper_series_id,
    upper_tenor,
    (upper_yield - lower_yield) / (upper_tenor - lower_tenor) as curve_slope
from brackets
where lower_tenor is not null and upper_tenor is not null
