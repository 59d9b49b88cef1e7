-- S&P 500 drawdown episodes from daily closes (price index), one row per episode at least as
-- deep as `drawdown_episode_threshold` (default -0.10). A two-state walk over the closes:
--   * rising: track the highest close since the walk entered this state (the candidate peak);
--     an episode OPENS on the first close at least `drawdown_episode_threshold` below it;
--   * falling: track the lowest close (the candidate trough); the episode's fall is OVER on
--     the first close that regains the peak, or that is `drawdown_episode_rebound` (default
--     0.5 = +50 %) above the lowest close so far; the walk is then rising again from there.
-- The peak is the last close at that high before the episode opened, the trough the (first)
-- lowest close before the fall was over, and the recovery the first close at or above the peak
-- after the trough (null while under water; it may come after later episodes started).
-- With the default rebound, a deep bear market's bear-market rallies do not split it, while a
-- new 10 % sell-off after a strong recovery (2010, 2011 inside the 2007-2013 period under
-- water) is its own episode. A very large rebound gives the pure running-high convention.
-- The walk is sequential by nature: it is a single fold over the ordered closes with a
-- struct accumulator (deterministic, one pass): macros/drawdown_walk.sql.
with prices as (
    select
        row_number() over (order by calendar_date) as n,
        calendar_date,
        spx_level::double as close_level
    from {{ ref('int_regime_inputs') }}
    where spx_level is not null
),

walk as (
    {{ drawdown_walk('prices') }}
),

-- closed episodes, plus the one still falling at the end of the data (if any)
episode_list as (
    {{ drawdown_walk_episodes('walk') }}
),

located as (
    select
        peak.calendar_date as peak_date,
        peak.close_level as peak_level,
        trough.n as trough_n,
        trough.calendar_date as trough_date,
        trough.close_level as trough_level
    from episode_list
    inner join prices as peak on episode_list.peak_n = peak.n
    inner join prices as trough on episode_list.trough_n = trough.n
),

recoveries as (
    select
        located.peak_date,
        min(prices.calendar_date) as recovery_date
    from located
    inner join prices
        on
            located.trough_n < prices.n
            and located.peak_level <= prices.close_level
    group by located.peak_date
),

calendar as (
    select
        calendar_date,
        business_day_index
    from {{ ref('int_business_calendar') }}
)

select
    'sp500_' || {{ cast('located.peak_date', 'varchar') }} as episode_id,
    row_number() over (order by located.peak_date) as episode_number,
    'sp500' as equity_asset_id,
    located.peak_date,
    located.trough_date,
    recoveries.recovery_date,
    recoveries.recovery_date is not null as is_recovered,
    located.peak_level,
    located.trough_level,
    located.trough_level / located.peak_level - 1 as depth,  -- noqa: RF04
    {{ days_between('located.peak_date', 'located.trough_date') }} as calendar_days_peak_to_trough,
    trough_day.business_day_index - peak_day.business_day_index as business_days_peak_to_trough,
    {{ days_between('located.trough_date', 'recoveries.recovery_date') }} as calendar_days_trough_to_recovery,
    recovery_day.business_day_index
    - trough_day.business_day_index as business_days_trough_to_recovery,
    {{ days_between('located.peak_date', 'recoveries.recovery_date') }} as calendar_days_peak_to_recovery
from located
left join recoveries on located.peak_date = recoveries.peak_date
inner join calendar as peak_day on located.peak_date = peak_day.calendar_date
inner join calendar as trough_day on located.trough_date = trough_day.calendar_date
left join calendar as recovery_day on recoveries.recovery_date = recovery_day.calendar_date
