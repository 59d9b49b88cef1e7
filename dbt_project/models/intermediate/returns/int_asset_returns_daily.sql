-- Daily returns of every catalog asset, one row per asset and business day inside the asset's
-- span (from the day after its first priced day to its last actually printed day). A return is
-- measured from the close of the previous business day (`base_date`) to the close of
-- `calendar_date`; it is NULL when an input is missing on either day (never fabricated).
--   * price_index (equities): price_return = level / previous level - 1. With a
--     `dividend_series_id` (sp500: FRED-MD's S&P dividend yield) total_return adds the day's
--     dividend accrual (int_dividend_accrual_daily: one twelfth of the annual dividend in
--     index points, spread over the month's business days, over the previous close). On a
--     day no dividend is known (before FRED-MD starts, beyond its carry bound, or no FRED-MD
--     input at all) total = price and that row's return_basis is `price_only`. Without a
--     dividend series (nasdaq) total = price, `price_only`.
--   * par_bond (Treasuries): a constant-maturity par bond bought at yesterday's yield y0
--     (coupon y0, semiannual) and repriced with maturity M - dt, where dt = calendar
--     days / 365.25, at today's yield of that shortened maturity: y1 = y(M) - dt x slope,
--     interpolated linearly between M and the next shorter tenor on today's curve
--     (int_curve_slopes_daily; var `bond_repricing_method` = 'roll_down', the default), or at
--     y(M) itself ('constant_maturity'); exact dirty price (macro bond_dirty_price).
--   * par_bond_plus_spread (credit): the same bond at Treasury yield + spread, minus the
--     expected default loss of the day: default rate x (1 - recovery) x dt (var
--     `credit_default_losses`, per asset; with `credit_default_rule` = 'spread_scaled' the
--     rate scales with the start-of-day spread over the asset's long-run reference spread).
--   * real_par_bond (TIPS): the same bond on the real yield, times the change in the TIPS
--     reference CPI (index ratio, int_reference_cpi_daily).
-- The bounded forward fill of int_observations_daily bridges holidays, but the span ends on
-- each input's last actual print: a stale tail is not turned into returns.
{%- set losses = var('credit_default_losses') %}
{%- set repricing = var('bond_repricing_method') %}
{%- set default_rule = var('credit_default_rule') %}
{%- if repricing not in ['roll_down', 'constant_maturity'] %}
    {{ exceptions.raise_compiler_error("var bond_repricing_method must be 'roll_down' or 'constant_maturity', got '" ~ repricing ~ "'") }}
{%- endif %}
{%- if default_rule not in ['spread_scaled', 'constant'] %}
    {{ exceptions.raise_compiler_error("var credit_default_rule must be 'spread_scaled' or 'constant', got '" ~ default_rule ~ "'") }}
{%- endif %}
{#- the default rate's scale: spread at the start of the day over the reference spread -#}
{%- set rate_scale = 'lag(spread) over asset_days / reference_spread' if default_rule == 'spread_scaled' else '1.0' %}
with catalog as (
    select
        asset_id,
        return_method,
        return_basis,
        maturity_years,
        coalesce(price_series_id, yield_series_id) as primary_series_id,
        spread_series_id,
        dividend_series_id,
        inflation_series_id
    from {{ ref('stg_asset_catalog') }}
),

observations as (
    select
        series_id,
        calendar_date,
        value,
        is_filled
    from {{ ref('int_observations_daily') }}
),

dividends as (
    select
        asset_id,
        calendar_date,
        annual_dividend_points,
        dividend_business_days,
        dividend_carried_months
    from {{ ref('int_dividend_accrual_daily') }}
),

-- expected default loss parameters (dbt vars; docs `credit_return_method`)
credit_losses as (
    {%- for asset_id, p in losses.items() %}
        select
            '{{ asset_id }}' as asset_id,
            {{ p.default_rate }} as default_rate,
            {{ p.recovery_rate }} as recovery_rate,
            {{ p.reference_spread }} as reference_spread
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

curve_slopes as (
    select
        asset_id,
        calendar_date,
        curve_slope
    from {{ ref('int_curve_slopes_daily') }}
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
        curve_slopes.curve_slope,
        spread_obs.value as spread,
        credit_losses.default_rate,
        credit_losses.recovery_rate,
        credit_losses.reference_spread,
        reference_cpi.reference_cpi,
        coalesce(reference_cpi.uses_fallback_cpi, false) as uses_fallback_cpi,
        grid.dividend_series_id is not null as has_dividend_input,
        dividends.annual_dividend_points / 12.0 / dividends.dividend_business_days
            as dividend_points,
        coalesce(primary_obs.is_filled, false)
        or coalesce(spread_obs.is_filled, false)
        or coalesce(dividends.dividend_carried_months > 0, false) as has_carried_input
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
    left join dividends
        on
            grid.asset_id = dividends.asset_id
            and grid.calendar_date = dividends.calendar_date
    left join curve_slopes
        on
            grid.asset_id = curve_slopes.asset_id
            and grid.calendar_date = curve_slopes.calendar_date
    left join credit_losses on grid.asset_id = credit_losses.asset_id
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
        curve_slope,
        -- annual expected default loss rate, known at the start of the day
        coalesce(default_rate * {{ rate_scale }} * (1.0 - recovery_rate), 0.0)
            as default_loss_rate,
        case
            when return_method = 'real_par_bond'
                then reference_cpi / lag(reference_cpi) over asset_days
            else 1.0
        end as inflation_factor,
        uses_fallback_cpi or coalesce(lag(uses_fallback_cpi) over asset_days, false)
            as uses_fallback_cpi,
        has_dividend_input,
        -- the day's dividend (index points) as a return on the previous close
        dividend_points / lag(pricing_input) over asset_days as dividend_return,
        has_carried_input
    from levels
    window asset_days as (partition by asset_id order by calendar_date)
),

bond_prices as (
    select
        *,
        {{ year_fraction('base_date', 'calendar_date') }} as elapsed_years,
        case when return_method <> 'price_index' then start_level end as y0,
        case when return_method <> 'price_index' then end_level end as y1_constant_maturity,
        -- roll-down: today's yield at the shortened maturity M - dt (linear in maturity)
        case
            when return_method <> 'price_index' and '{{ repricing }}' = 'roll_down'
                then -{{ year_fraction('base_date', 'calendar_date') }} * curve_slope
        end as roll_down_yield_change,
        maturity_years - {{ year_fraction('base_date', 'calendar_date') }} as remaining_years
    from paired
    where base_date is not null
),

end_yields as (
    select
        *,
        y1_constant_maturity + coalesce(roll_down_yield_change, 0.0) as y1
    from bond_prices
),

priced as (
    select
        *,
        {{ bond_dirty_price('y0', 'y0', 'maturity_years') }} as dirty_start,
        {{ bond_clean_price('y0', 'y0', 'maturity_years') }} as clean_start,
        {{ bond_dirty_price('y0', 'y1', 'remaining_years') }} as dirty_end,
        {{ bond_clean_price('y0', 'y1', 'remaining_years') }} as clean_end,
        {{ swinkels_bond_return('y0', 'y1_constant_maturity', 'maturity_years', 'elapsed_years') }}
            as swinkels_return
    from end_yields
),

returns as (
    select
        *,
        elapsed_years * default_loss_rate as default_loss,
        case
            when return_method = 'price_index'
                then end_level / start_level - 1.0 + coalesce(dividend_return, 0.0)
            else dirty_end * inflation_factor / dirty_start - 1.0 - elapsed_years * default_loss_rate
        end as total_return,
        case
            when return_method = 'price_index' then end_level / start_level - 1.0
            else
                (clean_end * inflation_factor - clean_start) / dirty_start
                - elapsed_years * default_loss_rate
        end as price_return
    from priced
)

select
    asset_id,
    calendar_date,
    business_day_index,
    base_date,
    return_method,
    case
        when has_dividend_input and dividend_return is null then 'price_only' else return_basis
    end as return_basis,
    elapsed_years,
    case when return_method = 'price_index' then start_level end as start_index_level,
    case when return_method = 'price_index' then end_level end as end_index_level,
    y0 as start_yield,
    y1 as end_yield,
    roll_down_yield_change,
    case when return_method = 'real_par_bond' then inflation_factor end as inflation_factor,
    total_return,
    price_return,
    total_return - price_return as income_return,
    case when has_dividend_input then dividend_return end as dividend_return,
    case when return_method = 'par_bond_plus_spread' then default_loss end as default_loss,
    case when return_method in ('par_bond', 'par_bond_plus_spread') then swinkels_return end
        as swinkels_total_return,
    has_carried_input,
    uses_fallback_cpi
from returns
