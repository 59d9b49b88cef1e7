-- The inputs of every regime rule, one row per business day (int_business_calendar), in
-- decimal units. Only information available at the close of `calendar_date` is used:
--   * daily series come from int_observations_daily (bounded forward fill, so a stale value
--     becomes null rather than current);
--   * CPI for reference month m is published around mid m+1, so its YoY change is used from
--     the first business day of month m + `regime_cpi_publication_lag_months` (default 2);
--   * windowed quantities (fed funds change, volatilities) look back over business days.
-- Series a source cannot provide stay null here; int_series_availability says why.
with calendar as (
    select
        calendar_date,
        business_day_index
    from {{ ref('int_business_calendar') }}
),

daily as (
    select
        calendar_date,
        max(case when series_id = 'SP500' then value end) as spx_level,
        max(case when series_id = 'VIXCLS' then value end) as vix,
        max(case when series_id = 'DFF' then value end) as fed_funds,
        max(case when series_id = 'DGS2' then value end) as ust_2y_yield,
        max(case when series_id = 'DGS10' then value end) as ust_10y_yield,
        max(case when series_id = 'DFII10' then value end) as real_yield_10y,
        max(case when series_id = 'T10YIE' then value end) as breakeven_10y,
        max(case when series_id = 'BAMLC0A0CM' then value end) as ig_oas,
        max(case when series_id = 'BAMLH0A0HYM2' then value end) as hy_oas,
        max(case when series_id = 'BAA10Y' then value end) as baa_spread,
        max(case when series_id = 'DTWEXBGS' then value end) as dollar_index
    from {{ ref('int_observations_daily') }}
    where
        series_id in (
            'SP500', 'VIXCLS', 'DFF', 'DGS2', 'DGS10', 'DFII10', 'T10YIE',
            'BAMLC0A0CM', 'BAMLH0A0HYM2', 'BAA10Y', 'DTWEXBGS'
        )
    group by calendar_date
),

cpi as (
    select
        observation_date as reference_month,
        value as cpi_index
    from {{ ref('stg_observations') }}
    where series_id = 'CPIAUCSL'
),

cpi_yoy as (
    select
        cpi.reference_month,
        cpi.cpi_index / year_ago.cpi_index - 1 as cpi_yoy,
        {{ plus_months('cpi.reference_month', var('regime_cpi_publication_lag_months')) }} as usable_from
    from cpi
    inner join cpi as year_ago
        on year_ago.reference_month = {{ plus_months('cpi.reference_month', -12) }}
),

-- The latest CPI print usable on each day; dropped when more than one month older than the
-- usual lag (a series that stopped is not presented as current).
cpi_matched as (
    {{ asof_join(
        'calendar', 'cpi_yoy', 'calendar_date', 'usable_from',
        {'cpi_reference_month': 'reference_month', 'cpi_yoy': 'cpi_yoy', 'cpi_usable_from': 'usable_from'},
    ) }}
),

cpi_on_day as (
    select
        calendar_date,
        cpi_reference_month,
        cpi_yoy
    from cpi_matched
    where calendar_date < {{ plus_months('cpi_usable_from', 2) }}
),

joined as (
    select
        calendar.calendar_date,
        calendar.business_day_index,
        daily.spx_level,
        daily.vix,
        daily.fed_funds,
        daily.ust_2y_yield,
        daily.ust_10y_yield,
        daily.real_yield_10y,
        daily.breakeven_10y,
        daily.ig_oas,
        daily.hy_oas,
        daily.baa_spread,
        daily.dollar_index,
        cpi_on_day.cpi_reference_month,
        cpi_on_day.cpi_yoy
    from calendar
    left join daily on calendar.calendar_date = daily.calendar_date
    left join cpi_on_day on calendar.calendar_date = cpi_on_day.calendar_date
),

with_changes as (
    select
        *,
        max(spx_level) over (
            order by calendar_date rows between unbounded preceding and current row
        ) as spx_running_high,
        spx_level / lag(spx_level) over (order by calendar_date) - 1 as spx_return_1d,
        -- differences of 2-decimal percent inputs, rounded to drop floating-point noise
        round(
            fed_funds - lag(fed_funds, {{ var('regime_policy_window_days') }})
                over (order by calendar_date),
            8
        ) as fed_funds_change,
        -- policy moves: the median fed funds rate over the last `regime_policy_median_days`
        -- business days (robust to settlement-day spikes) against its value as many days
        -- earlier
        {{ window_median(
            'fed_funds',
            'order by calendar_date rows between '
            ~ (var('regime_policy_median_days') - 1) ~ ' preceding and current row',
        ) }} as fed_funds_median,
        -- risk-off inputs: the S&P 500's return over the fast-fall window, and VIX's median
        -- over the trailing window ending the previous day
        spx_level
        / lag(spx_level, {{ var('regime_risk_off_fall_days') }}) over (order by calendar_date)
        - 1 as spx_return_fast,
        {{ window_median(
            'vix',
            'order by calendar_date rows between '
            ~ var('regime_risk_off_vix_median_days') ~ ' preceding and 1 preceding',
        ) }} as vix_trailing_median,
        round(ust_10y_yield - ust_2y_yield, 8) as curve_10y_2y,
        round(
            ust_10y_yield - lag(ust_10y_yield) over (order by calendar_date), 8
        ) as ust_10y_yield_change_1d,
        dollar_index / lag(dollar_index) over (order by calendar_date) - 1 as dollar_return_1d
    from joined
),

with_moves as (
    select
        *,
        round(
            fed_funds_median - lag(fed_funds_median, {{ var('regime_policy_median_days') }})
                over (order by calendar_date),
            8
        ) as fed_funds_move
    from with_changes
),

with_last_move as (
    select
        *,
        case
            when fed_funds_move >= {{ var('regime_policy_move_threshold') }} then 1
            when fed_funds_move <= -{{ var('regime_policy_move_threshold') }} then -1
        end as policy_move_sign
    from with_moves
),

with_policy as (
    select
        *,
        {{ last_ignore_nulls('policy_move_sign') }} over running as last_policy_move_sign,
        {{ last_ignore_nulls('case when policy_move_sign is not null then calendar_date end') }}
            over running as last_policy_move_date,
        {{ last_ignore_nulls('case when policy_move_sign is not null then business_day_index end') }}
            over running as last_policy_move_index,
        -- each spread against its own trailing window (ending the previous day)
        (hy_oas - avg(hy_oas) over credit_window) / nullif(stddev_samp(hy_oas) over credit_window, 0)
            as hy_oas_z,
        count(hy_oas) over credit_window as hy_oas_trailing_n,
        (baa_spread - avg(baa_spread) over credit_window)
        / nullif(stddev_samp(baa_spread) over credit_window, 0) as baa_spread_z,
        count(baa_spread) over credit_window as baa_spread_trailing_n
    from with_last_move
    window
        running as (order by calendar_date rows between unbounded preceding and current row),
        credit_window as (
            order by calendar_date
            rows between {{ var('regime_credit_stress_window_days') }} preceding and 1 preceding
        )
),

with_vol as (
    select
        *,
        business_day_index - last_policy_move_index as days_since_policy_move,
        -- the z-score of the rule's spread: HY OAS once it has half a window of history,
        -- else Baa - 10y (null when neither has)
        case
            when hy_oas_trailing_n >= {{ var('regime_credit_stress_window_days') }} / 2 then hy_oas_z
            when baa_spread_trailing_n >= {{ var('regime_credit_stress_window_days') }} / 2
                then baa_spread_z
        end as credit_spread_z,
        case
            when hy_oas_trailing_n >= {{ var('regime_credit_stress_window_days') }} / 2 then 'hy_oas'
            when baa_spread_trailing_n >= {{ var('regime_credit_stress_window_days') }} / 2
                then 'baa_spread'
        end as credit_spread_basis,
        spx_level / spx_running_high - 1 as spx_drawdown,
        -- Realised daily volatility of S&P 500 returns: the short window ends today; the long
        -- window ends the previous day, so today's move is judged against what came before.
        case
            when
                count(spx_return_1d) over short_window
                = {{ var('regime_ftq_vol_short_days') }}
                then stddev_samp(spx_return_1d) over short_window
        end as spx_vol_short,
        case
            when count(spx_return_1d) over long_window = {{ var('regime_ftq_vol_long_days') }}
                then stddev_samp(spx_return_1d) over long_window
        end as spx_vol_long
    from with_policy
    window
        short_window as (
            order by calendar_date
            rows between {{ var('regime_ftq_vol_short_days') - 1 }} preceding and current row
        ),
        long_window as (
            order by calendar_date
            rows between {{ var('regime_ftq_vol_long_days') }} preceding and 1 preceding
        )
)

select
    calendar_date,
    business_day_index,
    spx_level,
    spx_running_high,
    spx_drawdown,
    spx_return_1d,
    spx_vol_short,
    spx_vol_long,
    vix,
    fed_funds,
    fed_funds_change,
    fed_funds_median,
    fed_funds_move,
    last_policy_move_sign,
    last_policy_move_date,
    days_since_policy_move,
    spx_return_fast,
    vix_trailing_median,
    credit_spread_basis,
    credit_spread_z,
    cpi_reference_month,
    cpi_yoy,
    ust_2y_yield,
    ust_10y_yield,
    ust_10y_yield_change_1d,
    curve_10y_2y,
    real_yield_10y,
    breakeven_10y,
    ig_oas,
    hy_oas,
    baa_spread,
    dollar_index,
    dollar_return_1d
from with_vol
