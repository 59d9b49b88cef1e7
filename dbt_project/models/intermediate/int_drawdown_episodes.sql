-- S&P 500 drawdown episodes from daily closes (price index), one row per episode deeper than
-- `drawdown_episode_threshold` (default -10 %).
-- An episode starts at a running high (the peak: the last close at the running high before
-- the fall), its trough is the lowest close before the index closes at or above the peak
-- again, and it ends on that recovery day (null while still under water). Declines inside a
-- deeper, unrecovered episode are part of it, not separate episodes (the usual
-- peak-to-recovery convention).
with levels as (
    select
        calendar_date,
        business_day_index,
        spx_level,
        spx_running_high
    from {{ ref('int_regime_inputs') }}
    where spx_level is not null
),

with_peak as (
    select
        *,
        -- the latest day, up to and including this one, that closed at the running high
        max(case when spx_level >= spx_running_high then calendar_date end) over (
            order by calendar_date rows between unbounded preceding and current row
        ) as peak_date
    from levels
),

under_water as (
    select
        peak_date,
        calendar_date,
        business_day_index,
        spx_level,
        spx_running_high as peak_level,
        spx_level / spx_running_high - 1 as drawdown
    from with_peak
    where spx_level < spx_running_high
),

episodes as (
    select
        peak_date,
        any_value(peak_level) as peak_level,
        arg_min(calendar_date, spx_level) as trough_date,
        min(spx_level) as trough_level,
        min(drawdown) as depth,
        max(calendar_date) as last_under_water_date
    from under_water
    group by peak_date
    having min(drawdown) <= {{ var('drawdown_episode_threshold') }}
),

with_recovery as (
    select
        episodes.*,
        (
            select min(levels.calendar_date)
            from levels
            where
                levels.calendar_date > episodes.last_under_water_date
        ) as recovery_date
    from episodes
),

calendar as (
    select
        calendar_date,
        business_day_index
    from {{ ref('int_business_calendar') }}
)

select
    'sp500_' || strftime(with_recovery.peak_date, '%Y-%m-%d') as episode_id,
    row_number() over (order by with_recovery.peak_date) as episode_number,
    'sp500' as equity_asset_id,
    with_recovery.peak_date,
    with_recovery.trough_date,
    with_recovery.recovery_date,
    with_recovery.recovery_date is not null as is_recovered,
    with_recovery.peak_level,
    with_recovery.trough_level,
    with_recovery.depth,
    (with_recovery.trough_date - with_recovery.peak_date) as calendar_days_peak_to_trough,
    trough_day.business_day_index - peak_day.business_day_index as business_days_peak_to_trough,
    (with_recovery.recovery_date - with_recovery.trough_date) as calendar_days_trough_to_recovery,
    recovery_day.business_day_index - trough_day.business_day_index
        as business_days_trough_to_recovery,
    (with_recovery.recovery_date - with_recovery.peak_date) as calendar_days_peak_to_recovery
from with_recovery
inner join calendar as peak_day on with_recovery.peak_date = peak_day.calendar_date
inner join calendar as trough_day on with_recovery.trough_date = trough_day.calendar_date
left join calendar as recovery_day on with_recovery.recovery_date = recovery_day.calendar_date
