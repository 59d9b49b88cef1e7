-- The portfolio_60_40 mart (and what its regime summary reads). A monthly-rebalanced balanced portfolio (sp500 / ust_10y at `portfolio_equity_weight`,
-- default 60/40) against 100 % sp500, in LONG format: one row per portfolio x month.
-- Inputs are complete monthly total returns from int_asset_returns: sp500 includes dividends
-- (FRED-MD; `equity_return_basis` says `price_only` for a month without a known dividend,
-- e.g. a run without the FRED-MD input), ust_10y includes coupons and roll-down. Months where either asset lacks a return are left out, so both portfolios cover the
-- same months (from the first month with a 10-year Treasury return). Wealth starts at 1.0
-- before the first month; drawdowns are from the running high of wealth (including the 1.0
-- start); volatility is the sample standard deviation of the last 12 monthly returns x sqrt(12).
with monthly as (
    select
        asset_id,
        period_start,
        period_end,
        total_return,
        return_basis
    from {{ ref('int_asset_returns') }}
    where
        frequency = 'monthly'
        and is_complete_period
        and asset_id in ('sp500', 'ust_10y')
        and total_return is not null
        and not isnan(total_return)
),

both_assets as (
    select
        equity.period_start,
        equity.period_end,
        equity.total_return as equity_return,
        equity.return_basis as equity_return_basis,
        bond.total_return as bond_return
    from monthly as equity
    inner join monthly as bond on equity.period_end = bond.period_end
    where equity.asset_id = 'sp500' and bond.asset_id = 'ust_10y'
),

portfolios as (
    select
        weights.portfolio_id,
        weights.equity_weight
    from (
        values
        ('balanced', {{ var('portfolio_equity_weight') }}),
        ('equity_only', 1.0)
    ) as weights (portfolio_id, equity_weight)
),

returns as (
    select
        portfolios.portfolio_id,
        portfolios.equity_weight,
        1 - portfolios.equity_weight as bond_weight,
        both_assets.period_start,
        both_assets.period_end,
        both_assets.equity_return,
        both_assets.equity_return_basis,
        both_assets.bond_return,
        portfolios.equity_weight * both_assets.equity_return
        + (1 - portfolios.equity_weight) * both_assets.bond_return as portfolio_return
    from both_assets
    cross join portfolios
),

wealth as (
    select
        *,
        exp(sum(ln(1 + portfolio_return)) over cumulative) as wealth_index,
        count(*) over trailing_12 as months_in_window,
        stddev_samp(portfolio_return) over trailing_12 as trailing_12_stddev,
        exp(sum(ln(1 + portfolio_return)) over trailing_12) - 1 as trailing_12_return
    from returns
    window
        cumulative as (
            partition by portfolio_id order by period_end
            rows between unbounded preceding and current row
        ),
        trailing_12 as (
            partition by portfolio_id order by period_end
            rows between 11 preceding and current row
        )
),

with_drawdown as (
    select
        *,
        greatest(1.0, max(wealth_index) over (
            partition by portfolio_id order by period_end
            rows between unbounded preceding and current row
        )) as wealth_peak
    from wealth
)

select
    {{ cast('with_drawdown.portfolio_id', 'varchar') }} as portfolio_id,
    (case with_drawdown.portfolio_id
        when 'balanced'
            then
                'sp500 ' || {{ cast('round(with_drawdown.equity_weight * 100)::int', 'varchar') }}
                || ' % / ust_10y ' || {{ cast('round(with_drawdown.bond_weight * 100)::int', 'varchar') }}
                || ' %, rebalanced monthly'
        else 'sp500 100 %'
    end)::{{ dbt.type_string() }} as portfolio_name,
    with_drawdown.equity_weight::double as equity_weight,
    with_drawdown.bond_weight::double as bond_weight,
    with_drawdown.period_start::date as period_start,
    with_drawdown.period_end::date as period_end,
    with_drawdown.equity_return::double as equity_return,
    {{ cast('with_drawdown.equity_return_basis', 'varchar') }} as equity_return_basis,
    with_drawdown.bond_return::double as bond_return,
    with_drawdown.portfolio_return::double as portfolio_return,
    with_drawdown.wealth_index::double as wealth_index,
    with_drawdown.wealth_peak::double as wealth_peak,
    (with_drawdown.wealth_index / with_drawdown.wealth_peak - 1)::double as drawdown,
    (case
        when with_drawdown.months_in_window = 12 then with_drawdown.trailing_12_return
    end)::double as rolling_12m_return,
    (case
        when with_drawdown.months_in_window = 12 then with_drawdown.trailing_12_stddev * sqrt(12)
    end)::double as rolling_12m_volatility
from with_drawdown
