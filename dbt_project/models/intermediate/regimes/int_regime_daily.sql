-- The regime_daily mart (and what every model classifying periods by regime reads). One row
-- per business day: the market regime on that day, one column per flag, and the
-- inputs behind each flag. Every rule is parameterised by a dbt var (dbt_project.yml) and
-- documented in docs/marts_regimes.md; the labels come from macros/regime_rules.sql.
-- No look-ahead: CPI enters with its publication lag (int_regime_inputs) and the hedge regime
-- uses the stock-bond correlation as of the previous business day. The other flags use data
-- up to and including the day's close.
with inputs as (
    select * from {{ ref('int_regime_inputs') }}
),

dollar as (
    select
        is_available,
        first_date,
        last_date,
        unavailable_reason
    from {{ ref('int_series_availability') }}
    where series_id = 'DTWEXBGS'
),

hedge_correlation as (
    select
        as_of_date,
        max(correlation) filter (
            where window_periods = {{ var('regime_hedge_correlation_window') }}
        ) as correlation,  -- noqa: RF04
        max(correlation) filter (
            where window_periods = {{ var('regime_hedge_fast_correlation_window') }}
        ) as correlation_fast
    from {{ ref('int_rolling_correlations') }}
    where
        frequency = 'daily'
        and window_periods in (
            {{ var('regime_hedge_correlation_window') }},
            {{ var('regime_hedge_fast_correlation_window') }}
        )
        and equity_asset_id = 'sp500'
        and bond_asset_id = 'ust_10y'
    group by as_of_date
),

bond_return as (
    select
        period_end as calendar_date,
        total_return as ust_10y_return_1d
    from {{ ref('int_asset_returns') }}
    where frequency = 'daily' and asset_id = 'ust_10y'
),

joined as (
    select
        inputs.*,
        bond_return.ust_10y_return_1d,
        -- the correlation known at the previous business day's close
        lag(hedge_correlation.correlation) over (order by inputs.calendar_date)
            as correlation_252d,
        lag(hedge_correlation.correlation_fast) over (order by inputs.calendar_date)
            as correlation_63d
    from inputs
    left join hedge_correlation on inputs.calendar_date = hedge_correlation.as_of_date
    left join bond_return on inputs.calendar_date = bond_return.calendar_date
),

flagged as (
    select
        joined.*,
        {{ inflation_regime('cpi_yoy') }} as inflation_regime,
        {{ policy_regime('last_policy_move_sign', 'days_since_policy_move', 'fed_funds', 'ust_2y_yield') }}
            as policy_regime,
        {{ risk_off('vix', 'vix_trailing_median', 'spx_return_fast') }} as risk_off,
        case when joined.curve_10y_2y is not null then joined.curve_10y_2y < 0 end as curve_inverted,
        {{ credit_stress('credit_spread_z') }} as credit_stress,
        case when joined.credit_spread_z is not null then joined.credit_spread_basis end
            as credit_stress_basis,
        {{ hedge_regime('correlation_63d') }} as hedge_regime,
        {{ hedge_regime('correlation_252d') }} as hedge_regime_252d,
        -- Flight to quality (simplified Baele, Bekaert, Inghelbrecht & Wei 2020): Treasuries
        -- up, stocks down by more than k long-window sigmas, short-window equity vol above
        -- long-window vol.
        case
            when
                joined.ust_10y_return_1d is null or joined.spx_return_1d is null
                or joined.spx_vol_short is null or joined.spx_vol_long is null
                then null
            else
                joined.ust_10y_return_1d > 0
                and joined.spx_return_1d < 0
                and joined.spx_return_1d < -{{ var('regime_ftq_equity_sigma') }} * joined.spx_vol_long
                and joined.spx_vol_short > joined.spx_vol_long
        end as flight_to_quality_day,
        case
            when
                joined.dollar_return_1d is null or joined.spx_return_1d is null
                or joined.ust_10y_yield_change_1d is null
                then null
            else joined.spx_return_1d < 0 and joined.ust_10y_yield_change_1d > 0 and joined.dollar_return_1d < 0
        end as sell_america_day
    from joined
)

select
    flagged.calendar_date::date as calendar_date,
    {{ cast('flagged.inflation_regime', 'varchar') }} as inflation_regime,
    {{ cast('flagged.policy_regime', 'varchar') }} as policy_regime,
    flagged.risk_off::boolean as risk_off,
    flagged.curve_inverted::boolean as curve_inverted,
    flagged.credit_stress::boolean as credit_stress,
    {{ cast('flagged.credit_stress_basis', 'varchar') }} as credit_stress_basis,
    {{ cast('flagged.hedge_regime', 'varchar') }} as hedge_regime,
    {{ cast('flagged.hedge_regime_252d', 'varchar') }} as hedge_regime_252d,
    flagged.flight_to_quality_day::boolean as flight_to_quality_day,
    flagged.sell_america_day::boolean as sell_america_day,
    (case
        when flagged.sell_america_day is not null then null
        when not dollar.is_available then dollar.unavailable_reason
        when flagged.dollar_return_1d is null
            then
                'DTWEXBGS has no value on this day or the previous business day (series covers '
                || {{ cast('dollar.first_date', 'varchar') }} || ' to ' || {{ cast('dollar.last_date', 'varchar') }} || ')'
        when flagged.spx_return_1d is null then 'SP500 has no return on this day'
        else 'DGS10 has no yield change on this day'
    end)::{{ dbt.type_string() }} as sell_america_reason,
    flagged.cpi_yoy::double as cpi_yoy,
    flagged.cpi_reference_month::date as cpi_reference_month,
    flagged.fed_funds::double as fed_funds,
    flagged.fed_funds_change::double as fed_funds_change,
    flagged.fed_funds_move::double as fed_funds_move,
    flagged.last_policy_move_date::date as last_policy_move_date,
    flagged.vix_trailing_median::double as vix_trailing_median,
    flagged.spx_return_fast::double as spx_return_fast,
    flagged.credit_spread_z::double as credit_spread_z,
    flagged.vix::double as vix,
    flagged.spx_level::double as spx_level,
    flagged.spx_drawdown::double as spx_drawdown,
    flagged.spx_return_1d::double as spx_return_1d,
    flagged.spx_vol_short::double as spx_vol_short,
    flagged.spx_vol_long::double as spx_vol_long,
    flagged.ust_10y_return_1d::double as ust_10y_return_1d,
    flagged.ust_2y_yield::double as ust_2y_yield,
    flagged.ust_10y_yield::double as ust_10y_yield,
    flagged.ust_10y_yield_change_1d::double as ust_10y_yield_change_1d,
    flagged.curve_10y_2y::double as curve_10y_2y,
    flagged.real_yield_10y::double as real_yield_10y,
    flagged.breakeven_10y::double as breakeven_10y,
    flagged.ig_oas::double as ig_oas,
    flagged.hy_oas::double as hy_oas,
    flagged.baa_spread::double as baa_spread,
    flagged.dollar_index::double as dollar_index,
    flagged.dollar_return_1d::double as dollar_return_1d,
    flagged.correlation_252d::double as correlation_252d,
    flagged.correlation_63d::double as correlation_63d
from flagged
cross join dollar
