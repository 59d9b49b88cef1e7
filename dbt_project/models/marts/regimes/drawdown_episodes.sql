-- Every S&P 500 drawdown episode at least `drawdown_episode_threshold` deep (int_drawdown_episodes), in
-- LONG format: one row per episode x bond asset (every non-equity asset of the asset catalog),
-- with that bond's total return from the peak close to the trough close, its excess return
-- over the 3-month bill over the same days, and the regime at the peak. Episode columns repeat on each of an episode's rows; filter on one bond_asset_id (e.g.
-- ust_10y) for one row per episode.
{{ config(contract={'enforced': true}) }}

with episodes as (
    select * from {{ ref('int_drawdown_episodes') }}
),

bonds as (
    select asset_id
    from {{ ref('stg_asset_catalog') }}
    where asset_class <> 'equity'
),

daily as (
    select
        asset_id,
        period_end,
        total_return
    from {{ ref('int_asset_returns') }}
    where
        frequency = 'daily'
        and total_return is not null
        and not isnan(total_return)
),

bond_span as (
    select
        asset_id,
        min(period_end) as first_return_date,
        max(period_end) as last_return_date
    from daily
    group by asset_id
),

next_day as (
    select
        calendar_date,
        lead(calendar_date) over (order by calendar_date) as next_business_day
    from {{ ref('int_business_calendar') }}
),

bond_window as (
    select
        episodes.episode_id,
        bonds.asset_id as bond_asset_id,
        count(daily.total_return) as bond_return_days,
        exp(sum(ln(1 + daily.total_return))) - 1 as compounded_return,
        count(cash.cash_return) as cash_return_days,
        exp(sum(ln(1 + cash.cash_return))) - 1 as compounded_cash_return
    from episodes
    cross join bonds
    left join daily
        on
            bonds.asset_id = daily.asset_id
            and episodes.peak_date < daily.period_end
            and episodes.trough_date >= daily.period_end
    left join {{ ref('int_cash_returns_daily') }} as cash
        on daily.period_end = cash.calendar_date
    group by episodes.episode_id, bonds.asset_id
),

regime as (
    select
        calendar_date,
        inflation_regime,
        policy_regime,
        hedge_regime,
        correlation_252d
    from {{ ref('int_regime_daily') }}
),

joined as (
    select
        episodes.*,
        bond_window.bond_asset_id,
        bond_window.bond_return_days,
        -- only when the bond's daily returns cover the whole peak-to-trough window
        case
            when
                bond_span.first_return_date <= next_day.next_business_day
                and bond_span.last_return_date >= episodes.trough_date
                then bond_window.compounded_return
        end as bond_return_peak_to_trough,
        case
            when
                bond_span.first_return_date <= next_day.next_business_day
                and bond_span.last_return_date >= episodes.trough_date
                and bond_window.cash_return_days = bond_window.bond_return_days
                then bond_window.compounded_return - bond_window.compounded_cash_return
        end as bond_excess_return_peak_to_trough,
        regime.inflation_regime as inflation_regime_at_peak,
        regime.policy_regime as policy_regime_at_peak,
        regime.hedge_regime as hedge_regime_at_peak,
        regime.correlation_252d as correlation_252d_at_peak
    from episodes
    inner join bond_window on episodes.episode_id = bond_window.episode_id
    left join bond_span on bond_window.bond_asset_id = bond_span.asset_id
    left join next_day on episodes.peak_date = next_day.calendar_date
    left join regime on episodes.peak_date = regime.calendar_date
)

select
    {{ cast('joined.episode_id', 'varchar') }} as episode_id,
    joined.episode_number::bigint as episode_number,
    {{ cast('joined.equity_asset_id', 'varchar') }} as equity_asset_id,
    joined.peak_date::date as peak_date,
    joined.trough_date::date as trough_date,
    joined.recovery_date::date as recovery_date,
    joined.is_recovered::boolean as is_recovered,
    joined.peak_level::double as peak_level,
    joined.trough_level::double as trough_level,
    joined.depth::double as depth,  -- noqa: RF04
    joined.calendar_days_peak_to_trough::bigint as calendar_days_peak_to_trough,
    joined.business_days_peak_to_trough::bigint as business_days_peak_to_trough,
    joined.calendar_days_trough_to_recovery::bigint as calendar_days_trough_to_recovery,
    joined.business_days_trough_to_recovery::bigint as business_days_trough_to_recovery,
    joined.calendar_days_peak_to_recovery::bigint as calendar_days_peak_to_recovery,
    {{ cast('joined.bond_asset_id', 'varchar') }} as bond_asset_id,
    joined.bond_return_peak_to_trough::double as bond_return_peak_to_trough,
    joined.bond_excess_return_peak_to_trough::double as bond_excess_return_peak_to_trough,
    joined.bond_return_days::bigint as bond_return_days,
    (joined.bond_return_peak_to_trough > 0)::boolean as bond_hedged,
    {{ cast('joined.inflation_regime_at_peak', 'varchar') }} as inflation_regime_at_peak,
    {{ cast('joined.policy_regime_at_peak', 'varchar') }} as policy_regime_at_peak,
    {{ cast('joined.hedge_regime_at_peak', 'varchar') }} as hedge_regime_at_peak,
    joined.correlation_252d_at_peak::double as correlation_252d_at_peak,
    {{ data_source() }}
from joined
