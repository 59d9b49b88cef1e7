-- The answer to "do bonds go up when stocks fall, and when don't they?".
-- One row per equity asset x bond asset x frequency x regime dimension x regime value.
-- Periods: complete periods of asset_returns in which both the equity and the bond have a
-- total return. A period is classified by the regime at its START (int_period_regime_dates:
-- the close of the business day before the period's first business day), so the regime is
-- never informed by the returns it classifies. Periods whose regime value is unknown are left
-- out of that dimension (they still count under `all` and `decade`).
{{ config(contract={'enforced': true}) }}

with assets as (
    select
        asset_id,
        asset_class
    from {{ ref('stg_asset_catalog') }}
),

returns as (
    select
        asset_returns.asset_id,
        assets.asset_class,
        asset_returns.frequency,
        asset_returns.period_end,
        asset_returns.total_return
    from {{ ref('int_asset_returns') }} as asset_returns
    inner join assets on asset_returns.asset_id = assets.asset_id
    where
        asset_returns.is_complete_period
        and asset_returns.total_return is not null
        and not isnan(asset_returns.total_return)
        and asset_returns.frequency in ('daily', 'weekly', 'monthly')
),

pairs as (
    select
        equity.asset_id as equity_asset_id,
        bond.asset_id as bond_asset_id,
        equity.frequency,
        equity.period_end,
        equity.total_return as stock_return,
        bond.total_return as bond_return
    from returns as equity
    inner join returns as bond
        on
            equity.frequency = bond.frequency
            and equity.period_end = bond.period_end
    where
        equity.asset_class = 'equity'
        and bond.asset_class <> 'equity'
),

with_dates as (
    select
        pairs.*,
        {{ decade_label('pairs.period_end') }} as decade,
        regime_dates.regime_as_of_date,
        regime.inflation_regime,
        regime.policy_regime,
        {{ cast('regime.risk_off', 'varchar') }} as risk_off,
        {{ cast('regime.curve_inverted', 'varchar') }} as curve_inverted,
        {{ cast('regime.credit_stress', 'varchar') }} as credit_stress,
        regime.hedge_regime
    from pairs
    left join {{ ref('int_period_regime_dates') }} as regime_dates
        on
            pairs.frequency = regime_dates.frequency
            and pairs.period_end = regime_dates.period_end
    left join {{ ref('int_regime_daily') }} as regime
        on regime_dates.regime_as_of_date = regime.calendar_date
),

markov as (
    select
        period_end,
        filtered_regime
    from {{ ref('int_markov_regime_monthly') }}
),

-- the Markov-switching regime known at the period's start: the filtered regime of the last
-- month that ended on or before the regime date
with_regime as (
    {{ asof_join(
        'with_dates', 'markov', 'regime_as_of_date', 'period_end',
        {'markov_regime': 'filtered_regime'}, join_type='left',
    ) }}
),

long as (
    select
        with_regime.equity_asset_id,
        with_regime.bond_asset_id,
        with_regime.frequency,
        with_regime.period_end,
        with_regime.stock_return,
        with_regime.bond_return,
        dimensions.regime_dimension,
        {{ regime_value('with_regime', var('scorecard_extra_dimensions')) }} as regime_value
    from with_regime
    {{ regime_dimensions_cross_join(var('scorecard_extra_dimensions')) }}
),

aggregated as (
    select
        equity_asset_id,
        bond_asset_id,
        frequency,
        regime_dimension,
        regime_value,
        count(*) as periods,
        count(*) filter (where stock_return < 0) as stock_down_periods,
        count(*) filter (where stock_return < 0 and bond_return > 0) as bond_up_when_stock_down,
        avg(bond_return) filter (where stock_return < 0) as mean_bond_return_when_stock_down,
        median(bond_return) filter (where stock_return < 0) as median_bond_return_when_stock_down,
        avg(stock_return) filter (where stock_return < 0) as mean_stock_return_when_stock_down,
        avg(bond_return) as mean_bond_return,
        avg(stock_return) as mean_stock_return,
        var_samp(stock_return) as stock_variance,
        var_samp(bond_return) as bond_variance,
        corr(bond_return, stock_return) as raw_correlation,
        regr_slope(bond_return, stock_return) as raw_beta,
        var_samp(stock_return) filter (where stock_return < 0) as stock_down_variance,
        regr_slope(bond_return, stock_return) filter (where stock_return < 0) as raw_downside_beta,
        min(period_end) as first_period_end,
        max(period_end) as last_period_end
    from long
    where regime_value is not null
    group by equity_asset_id, bond_asset_id, frequency, regime_dimension, regime_value
)

select
    {{ cast('aggregated.equity_asset_id', 'varchar') }} as equity_asset_id,
    {{ cast('aggregated.bond_asset_id', 'varchar') }} as bond_asset_id,
    {{ cast('aggregated.frequency', 'varchar') }} as frequency,
    {{ cast('aggregated.regime_dimension', 'varchar') }} as regime_dimension,
    {{ cast('aggregated.regime_value', 'varchar') }} as regime_value,
    aggregated.periods::bigint as periods,
    aggregated.stock_down_periods::bigint as stock_down_periods,
    aggregated.bond_up_when_stock_down::bigint as bond_up_when_stock_down,
    (aggregated.bond_up_when_stock_down::double / nullif(aggregated.stock_down_periods, 0))::double
        as hit_rate,
    ({{ wilson_bound('aggregated.bond_up_when_stock_down', 'aggregated.stock_down_periods', -1) }})::double
        as hit_rate_ci_low,
    ({{ wilson_bound('aggregated.bond_up_when_stock_down', 'aggregated.stock_down_periods', 1) }})::double
        as hit_rate_ci_high,
    aggregated.mean_bond_return_when_stock_down::double as mean_bond_return_when_stock_down,
    aggregated.median_bond_return_when_stock_down::double as median_bond_return_when_stock_down,
    aggregated.mean_stock_return_when_stock_down::double as mean_stock_return_when_stock_down,
    aggregated.mean_bond_return::double as mean_bond_return,
    aggregated.mean_stock_return::double as mean_stock_return,
    ({{ guarded_correlation(
        'aggregated.periods', 'aggregated.stock_variance', 'aggregated.bond_variance',
        'aggregated.raw_correlation') }})::double as correlation,  -- noqa: RF04
    ({{ guarded_beta('aggregated.periods', 'aggregated.stock_variance', 'aggregated.raw_beta') }})::double
        as beta,
    ({{ guarded_beta(
        'aggregated.stock_down_periods', 'aggregated.stock_down_variance',
        'aggregated.raw_downside_beta') }})::double as downside_beta,
    aggregated.first_period_end::date as first_period_end,
    aggregated.last_period_end::date as last_period_end,
    {{ data_source() }}
from aggregated
