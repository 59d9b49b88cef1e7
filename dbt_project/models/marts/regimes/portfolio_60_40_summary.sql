-- portfolio_60_40 summarised by regime: one row per portfolio x regime dimension x regime
-- value (dimension `all` / value `all`; `decade`; and each regime flag of regime_daily taken at
-- the START of the month, as in hedge_scorecard). Statistics use only the months in the cell,
-- chained in date order: annualised return is geometric (exp(12 x mean log return) - 1),
-- volatility is the monthly standard deviation x sqrt(12), max drawdown is the deepest fall of
-- wealth compounded over the cell's months only (for `all` that is the portfolio's true max
-- drawdown; for a regime it is "if you had held only in those months").
{{ config(contract={'enforced': true}) }}

with months as (
    select * from {{ ref('int_portfolio_60_40') }}
),

with_regime as (
    select
        months.portfolio_id,
        months.portfolio_name,
        months.period_end,
        months.portfolio_return,
        {{ decade_label('months.period_end') }} as decade,
        regime.inflation_regime,
        regime.policy_regime,
        {{ cast('regime.risk_off', 'varchar') }} as risk_off,
        {{ cast('regime.curve_inverted', 'varchar') }} as curve_inverted,
        {{ cast('regime.credit_stress', 'varchar') }} as credit_stress,
        regime.hedge_regime
    from months
    left join {{ ref('int_period_regime_dates') }} as regime_dates
        on
            regime_dates.frequency = 'monthly'
            and months.period_end = regime_dates.period_end
    left join {{ ref('int_regime_daily') }} as regime
        on regime_dates.regime_as_of_date = regime.calendar_date
),

long as (
    select
        with_regime.portfolio_id,
        with_regime.portfolio_name,
        with_regime.period_end,
        with_regime.portfolio_return,
        dimensions.regime_dimension,
        {{ regime_value('with_regime') }} as regime_value
    from with_regime
    {{ regime_dimensions_cross_join() }}
),

chained as (
    select
        *,
        exp(sum(ln(1 + portfolio_return)) over cell_to_date) as cell_wealth
    from long
    where regime_value is not null
    window cell_to_date as (
        partition by portfolio_id, regime_dimension, regime_value
        order by period_end
        rows between unbounded preceding and current row
    )
),

with_drawdown as (
    select
        *,
        cell_wealth / greatest(1.0, max(cell_wealth) over (
            partition by portfolio_id, regime_dimension, regime_value
            order by period_end
            rows between unbounded preceding and current row
        )) - 1 as cell_drawdown
    from chained
),

aggregated as (
    select
        portfolio_id,
        any_value(portfolio_name) as portfolio_name,
        regime_dimension,
        regime_value,
        count(*) as months,
        exp(12 * avg(ln(1 + portfolio_return))) - 1 as annualised_return,
        stddev_samp(portfolio_return) * sqrt(12) as annualised_volatility,
        min(cell_drawdown) as max_drawdown,
        min(portfolio_return) as worst_month_return,
        {{ arg_min('period_end', 'portfolio_return') }} as worst_month_end,
        avg({{ to_double('case when portfolio_return < 0 then 1.0 else 0.0 end') }}) as share_negative_months,
        min(period_end) as first_period_end,
        max(period_end) as last_period_end
    from with_drawdown
    group by portfolio_id, regime_dimension, regime_value
)

select
    {{ cast('aggregated.portfolio_id', 'varchar') }} as portfolio_id,
    {{ cast('aggregated.portfolio_name', 'varchar') }} as portfolio_name,
    {{ cast('aggregated.regime_dimension', 'varchar') }} as regime_dimension,
    {{ cast('aggregated.regime_value', 'varchar') }} as regime_value,
    aggregated.months::bigint as months,
    aggregated.annualised_return::double as annualised_return,
    aggregated.annualised_volatility::double as annualised_volatility,
    aggregated.max_drawdown::double as max_drawdown,
    aggregated.worst_month_return::double as worst_month_return,
    aggregated.worst_month_end::date as worst_month_end,
    aggregated.share_negative_months::double as share_negative_months,
    aggregated.first_period_end::date as first_period_end,
    aggregated.last_period_end::date as last_period_end,
    {{ data_source() }}
from aggregated
