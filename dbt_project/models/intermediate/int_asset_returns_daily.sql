-- Daily returns of every catalog asset, one row per asset and business day inside the asset's
-- span (from the day after its first priced day to its last actually printed day). A return is
-- measured from the close of the previous business day (`base_date`) to the close of
-- `calendar_date`; it is NULL when an input is missing on either day (never fabricated).
--   * price_index (equities): level / previous level - 1; price only (FRED indexes carry no
--     dividends), so price_return = total_return.
--   * par_bond (Treasuries): a constant-maturity par bond bought at yesterday's yield y0
--     (coupon y0, semiannual) and repriced at today's yield y1 with maturity M - dt, where
--     dt = calendar days / 365.25; exact dirty price (macro bond_dirty_price).
--   * par_bond_plus_spread (credit): the same bond at Treasury yield + spread.
--   * real_par_bond (TIPS): the same bond on the real yield, times the change in the TIPS
--     reference CPI (index ratio, int_reference_cpi_daily).
-- The bounded forward fill of int_observations_daily bridges holidays, but the span ends on
-- each input's last actual print: a stale tail is not turned into returns.
with catalog as (
    select
        asset_id,
        return_method,
        return_basis,
        maturity_years,
        coalesce(price_series_id, yield_series_id) as primary_series_id,
        spread_series_id,
        inflation_series_id
    from {{ ref('asset_catalog') }}
),

observations as (
    select
        series_id,
        calendar_date,
        value,
        is_filled
    from {{ ref('int_observations_daily') }}
),

reference_cpi as (
    select
        series_id,
        calendar_date,
        reference_cpi,
        uses_fallback_cpi
    from {{ ref('int_reference_cpi_daily') }}
),

series_span as (
    select
        series_id,
        min(calendar_date) as first_date,
        max(calendar_date) filter (where not is_filled) as last_date
    from observations
    group by series_id
),

cpi_span as (
    select
        series_id,
        min(calendar_date) as first_date,
        max(calendar_date) as last_date
    from reference_cpi
    group by series_id
),

-- the days on which every input of the asset exists (before any gap handling)
asset_span as (
    select
        catalog.asset_id,
        greatest(
            primary_span.first_date,
            coalesce(spread_span.first_date, primary_span.first_date),
            coalesce(cpi_span.first_date, primary_span.first_date)
        ) as first_date,
        least(
            primary_span.last_date,
            coalesce(spread_span.last_date, primary_span.last_date),
            coalesce(cpi_span.last_date, primary_span.last_date)
        ) as last_date
    from catalog
    inner join series_span as primary_span on catalog.primary_series_id = primary_span.series_id
    left join series_span as spread_span on catalog.spread_series_id = spread_span.series_id
    left join cpi_span on catalog.inflation_series_id = cpi_span.series_id
    where
        (catalog.spread_series_id is null or spread_span.series_id is not null)
        and (catalog.inflation_series_id is null or cpi_span.series_id is not null)
),

calendar as (
    select
        calendar_date,
        business_day_index
    from {{ ref('int_business_calendar') }}
),

grid as (
    select
        catalog.*,
        calendar.calendar_date,
        calendar.business_day_index
    from catalog
    inner join asset_span on catalog.asset_id = asset_span.asset_id
    inner join calendar
        on calendar.calendar_date between asset_span.first_date and asset_span.last_date
),

levels as (
    select
        grid.asset_id,
        grid.return_method,
        grid.return_basis,
        grid.maturity_years,
        grid.calendar_date,
        grid.business_day_index,
        -- equities: index level; bonds: yield to maturity (Treasury + spread for credit)
        case
            when grid.spread_series_id is null then primary_obs.value
            else primary_obs.value + spread_obs.value
        end as pricing_input,
        reference_cpi.reference_cpi,
        coalesce(reference_cpi.uses_fallback_cpi, false) as uses_fallback_cpi,
        coalesce(primary_obs.is_filled, false)
        or coalesce(spread_obs.is_filled, false) as has_carried_input
    from grid
    left join observations as primary_obs
        on
            grid.primary_series_id = primary_obs.series_id
            and grid.calendar_date = primary_obs.calendar_date
    left join observations as spread_obs
        on
            grid.spread_series_id = spread_obs.series_id
            and grid.calendar_date = spread_obs.calendar_date
    left join reference_cpi
        on
            grid.inflation_series_id = reference_cpi.series_id
            and grid.calendar_date = reference_cpi.calendar_date
),

paired as (
    select
        asset_id,
        return_method,
        return_basis,
        maturity_years,
        calendar_date,
        business_day_index,
        lag(calendar_date) over asset_days as base_date,
        lag(pricing_input) over asset_days as start_level,
        pricing_input as end_level,
        case
            when return_method = 'real_par_bond'
                then reference_cpi / lag(reference_cpi) over asset_days
            else 1.0
        end as inflation_factor,
        uses_fallback_cpi or coalesce(lag(uses_fallback_cpi) over asset_days, false)
            as uses_fallback_cpi,
        has_carried_input
    from levels
    window asset_days as (partition by asset_id order by calendar_date)
),

bond_prices as (
    select
        *,
        {{ year_fraction('base_date', 'calendar_date') }} as elapsed_years,
        case when return_method <> 'price_index' then start_level end as y0,
        case when return_method <> 'price_index' then end_level end as y1,
        maturity_years - {{ year_fraction('base_date', 'calendar_date') }} as remaining_years
    from paired
    where base_date is not null
),

priced as (
    select
        *,
        {{ bond_dirty_price('y0', 'y0', 'maturity_years') }} as dirty_start,
        {{ bond_clean_price('y0', 'y0', 'maturity_years') }} as clean_start,
        {{ bond_dirty_price('y0', 'y1', 'remaining_years') }} as dirty_end,
        {{ bond_clean_price('y0', 'y1', 'remaining_years') }} as clean_end,
        {{ swinkels_bond_return('y0', 'y1', 'maturity_years', 'elapsed_years') }}
            as swinkels_return
    from bond_prices
),

returns as (
    select
        *,
        case
            when return_method = 'price_index' then end_level / start_level - 1.0
            else dirty_end * inflation_factor / dirty_start - 1.0
        end as total_return,
        case
            when return_method = 'price_index' then end_level / start_level - 1.0
            else (clean_end * inflation_factor - clean_start) / dirty_start
        end as price_return
    from priced
)

select
    asset_id,
    calendar_date,
    business_day_index,
    base_date,
    return_method,
    return_basis,
    elapsed_years,
    case when return_method = 'price_index' then start_level end as start_index_level,
    case when return_method = 'price_index' then end_level end as end_index_level,
    y0 as start_yield,
    y1 as end_yield,
    case when return_method = 'real_par_bond' then inflation_factor end as inflation_factor,
    total_return,
    price_return,
    total_return - price_return as income_return,
    case when return_method in ('par_bond', 'par_bond_plus_spread') then swinkels_return end
        as swinkels_total_return,
    has_carried_input,
    uses_fallback_cpi
from returns
