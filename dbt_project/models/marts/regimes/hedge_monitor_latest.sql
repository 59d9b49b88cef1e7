-- One row: what to watch now. The as-of date is the latest business day on which both the
-- S&P 500 and the 10-year Treasury yield printed (the pair the question is about), so a
-- series that ends earlier cannot drag the whole row into the past; indicators with no value
-- on that date are null and listed, with the reason, in `missing_indicators`.
-- Changes are over `monitor_change_days` business days (default 21, about one month).
-- Outlook rule (var `monitor_stable_band`, default 0.001 = 0.10 pt):
--   10y real yield falling (change < -band) and 10y breakeven stable or falling
--   (change <= +band)                                   -> 'bonds likely hedge'
--   10y real yield rising (> +band) or breakeven widening (> +band) -> 'hedge at risk'
--   otherwise                                           -> 'mixed'
--   either change unknown                               -> 'insufficient data'
{{ config(contract={'enforced': true}) }}

with inputs as (
    select * from {{ ref('int_regime_inputs') }}
),

-- the last day both SP500 and DGS10 actually printed (a forward-filled tail is not "now")
as_of as (
    select max(inputs.calendar_date) as as_of_date
    from inputs
    where
        inputs.spx_level is not null
        and inputs.ust_10y_yield is not null
        and inputs.calendar_date <= (
            select min(availability.last_date)
            from {{ ref('int_series_availability') }} as availability
            where availability.series_id in ('SP500', 'DGS10')
        )
),

latest_day as (
    select max(calendar_date) as latest_business_day
    from inputs
),

now as (
    select inputs.*
    from inputs
    inner join as_of on inputs.calendar_date = as_of.as_of_date
),

before as (
    select inputs.*
    from inputs
    inner join now
        on inputs.business_day_index = now.business_day_index - {{ var('monitor_change_days') }}
),

regime_now as (
    select regime_daily.*
    from {{ ref('int_regime_daily') }} as regime_daily
    inner join as_of on regime_daily.calendar_date = as_of.as_of_date
),

correlation_now as (
    select
        rolling_correlations.correlation,
        rolling_correlations.as_of_date
    from {{ ref('int_rolling_correlations') }} as rolling_correlations
    inner join as_of on rolling_correlations.as_of_date <= as_of.as_of_date
    where
        rolling_correlations.frequency = 'daily'
        and rolling_correlations.window_periods = {{ var('regime_hedge_correlation_window') }}
        and rolling_correlations.equity_asset_id = 'sp500'
        and rolling_correlations.bond_asset_id = 'ust_10y'
        and rolling_correlations.correlation is not null
        and not isnan(rolling_correlations.correlation)
    order by rolling_correlations.as_of_date desc
    limit 1
),

availability as (
    select
        max(case when series_id = 'DGS2' then coalesce(unavailable_reason, 'DGS2: last observation ' || {{ cast('last_date', 'varchar') }}) end) as dgs2,
        max(case when series_id = 'DGS10' then coalesce(unavailable_reason, 'DGS10: last observation ' || {{ cast('last_date', 'varchar') }}) end) as dgs10,
        max(case when series_id = 'DFII10' then coalesce(unavailable_reason, 'DFII10: last observation ' || {{ cast('last_date', 'varchar') }}) end) as dfii10,
        max(case when series_id = 'T10YIE' then coalesce(unavailable_reason, 'T10YIE: last observation ' || {{ cast('last_date', 'varchar') }}) end) as t10yie,
        max(case when series_id = 'DFF' then coalesce(unavailable_reason, 'DFF: last observation ' || {{ cast('last_date', 'varchar') }}) end) as dff,
        max(case when series_id = 'BAMLC0A0CM' then coalesce(unavailable_reason, 'BAMLC0A0CM: last observation ' || {{ cast('last_date', 'varchar') }}) end) as ig,
        max(case when series_id = 'BAMLH0A0HYM2' then coalesce(unavailable_reason, 'BAMLH0A0HYM2: last observation ' || {{ cast('last_date', 'varchar') }}) end) as hy,
        max(case when series_id = 'VIXCLS' then coalesce(unavailable_reason, 'VIXCLS: last observation ' || {{ cast('last_date', 'varchar') }}) end) as vix
    from {{ ref('int_series_availability') }}
),

changes as (
    select
        now.calendar_date as as_of_date,
        before.calendar_date as change_from_date,
        now.ust_2y_yield,
        round(now.ust_2y_yield - before.ust_2y_yield, 8) as ust_2y_yield_change_1m,
        now.ust_10y_yield,
        round(now.ust_10y_yield - before.ust_10y_yield, 8) as ust_10y_yield_change_1m,
        now.curve_10y_2y,
        round(now.curve_10y_2y - before.curve_10y_2y, 8) as curve_10y_2y_change_1m,
        now.real_yield_10y,
        round(now.real_yield_10y - before.real_yield_10y, 8) as real_yield_10y_change_1m,
        now.breakeven_10y,
        round(now.breakeven_10y - before.breakeven_10y, 8) as breakeven_10y_change_1m,
        now.fed_funds,
        round(now.fed_funds - before.fed_funds, 8) as fed_funds_change_1m,
        now.ig_oas,
        round(now.ig_oas - before.ig_oas, 8) as ig_oas_change_1m,
        now.hy_oas,
        round(now.hy_oas - before.hy_oas, 8) as hy_oas_change_1m,
        now.vix,
        round(now.vix - before.vix, 8) as vix_change_1m,
        now.spx_drawdown
    from now
    left join before on true
),

labelled as (
    select
        changes.*,
        case
            when changes.real_yield_10y_change_1m is null or changes.breakeven_10y_change_1m is null
                then 'insufficient data'
            when
                changes.real_yield_10y_change_1m < -{{ var('monitor_stable_band') }}
                and changes.breakeven_10y_change_1m <= {{ var('monitor_stable_band') }}
                then 'bonds likely hedge'
            when
                changes.real_yield_10y_change_1m > {{ var('monitor_stable_band') }}
                or changes.breakeven_10y_change_1m > {{ var('monitor_stable_band') }}
                then 'hedge at risk'
            else 'mixed'
        end as outlook
    from changes
)

select
    labelled.as_of_date::date as as_of_date,
    latest_day.latest_business_day::date as latest_business_day,
    labelled.change_from_date::date as change_from_date,
    labelled.ust_2y_yield::double as ust_2y_yield,
    labelled.ust_2y_yield_change_1m::double as ust_2y_yield_change_1m,
    labelled.ust_10y_yield::double as ust_10y_yield,
    labelled.ust_10y_yield_change_1m::double as ust_10y_yield_change_1m,
    labelled.curve_10y_2y::double as curve_10y_2y,
    labelled.curve_10y_2y_change_1m::double as curve_10y_2y_change_1m,
    labelled.real_yield_10y::double as real_yield_10y,
    labelled.real_yield_10y_change_1m::double as real_yield_10y_change_1m,
    labelled.breakeven_10y::double as breakeven_10y,
    labelled.breakeven_10y_change_1m::double as breakeven_10y_change_1m,
    labelled.fed_funds::double as fed_funds,
    labelled.fed_funds_change_1m::double as fed_funds_change_1m,
    labelled.ig_oas::double as ig_oas,
    labelled.ig_oas_change_1m::double as ig_oas_change_1m,
    labelled.hy_oas::double as hy_oas,
    labelled.hy_oas_change_1m::double as hy_oas_change_1m,
    labelled.vix::double as vix,
    labelled.vix_change_1m::double as vix_change_1m,
    labelled.spx_drawdown::double as spx_drawdown,
    regime_now.cpi_yoy::double as cpi_yoy,
    {{ cast('regime_now.inflation_regime', 'varchar') }} as inflation_regime,
    {{ cast('regime_now.policy_regime', 'varchar') }} as policy_regime,
    regime_now.risk_off::boolean as risk_off,
    regime_now.curve_inverted::boolean as curve_inverted,
    regime_now.credit_stress::boolean as credit_stress,
    {{ cast('regime_now.hedge_regime', 'varchar') }} as hedge_regime,
    regime_now.flight_to_quality_day::boolean as flight_to_quality_day,
    regime_now.sell_america_day::boolean as sell_america_day,
    {{ cast('regime_now.sell_america_reason', 'varchar') }} as sell_america_reason,
    correlation_now.correlation::double as correlation_252d,
    correlation_now.as_of_date::date as correlation_252d_as_of,
    ({{ hedge_regime('correlation_now.correlation') }})::{{ dbt.type_string() }} as hedge_regime_current,
    {{ cast('labelled.outlook', 'varchar') }} as outlook,
    (case labelled.outlook
        when 'insufficient data'
            then
                'no 1-month change for the 10y real yield (DFII10) or the 10y breakeven (T10YIE) at '
                || {{ cast('labelled.as_of_date', 'varchar') }}
        else
            '10y real yield ' || printf('%+.2f', labelled.real_yield_10y_change_1m * 100)
            || ' pt and 10y breakeven ' || printf('%+.2f', labelled.breakeven_10y_change_1m * 100)
            || ' pt over ' || {{ cast(var("monitor_change_days"), "varchar") }} || ' business days ('
            || {{ cast('labelled.change_from_date', 'varchar') }} || ' to ' || {{ cast('labelled.as_of_date', 'varchar') }}
            || '); stable band +/-' || printf('%.2f', {{ to_double(var('monitor_stable_band') ~ ' * 100') }})
            || ' pt: ' || case labelled.outlook
                when 'bonds likely hedge'
                    then 'falling real yields with stable or falling breakevens'
                when 'hedge at risk'
                    then case
                        when
                            labelled.real_yield_10y_change_1m > {{ var('monitor_stable_band') }}
                            and labelled.breakeven_10y_change_1m > {{ var('monitor_stable_band') }}
                            then 'rising real yields and widening breakevens'
                        when labelled.real_yield_10y_change_1m > {{ var('monitor_stable_band') }}
                            then 'rising real yields'
                        else 'widening breakevens'
                    end
                else 'real yields within the band (neither falling nor rising) and breakevens not widening'
            end
    end)::{{ dbt.type_string() }} as outlook_reason,
    nullif(concat_ws(
        '; ',
        case when labelled.ust_2y_yield is null then availability.dgs2 end,
        case when labelled.ust_10y_yield is null then availability.dgs10 end,
        case when labelled.real_yield_10y is null then availability.dfii10 end,
        case when labelled.breakeven_10y is null then availability.t10yie end,
        case when labelled.fed_funds is null then availability.dff end,
        case when labelled.ig_oas is null then availability.ig end,
        case when labelled.hy_oas is null then availability.hy end,
        case when labelled.vix is null then availability.vix end
    ), '')::{{ dbt.type_string() }} as missing_indicators,
    {{ data_source() }}
from labelled
cross join latest_day
cross join availability
left join regime_now on true
left join correlation_now on true
