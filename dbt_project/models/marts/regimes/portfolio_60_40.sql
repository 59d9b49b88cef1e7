-- A monthly-rebalanced balanced portfolio (sp500 / ust_10y at `portfolio_equity_weight`,
-- default 60/40) against 100 % sp500, one row per portfolio x month: int_portfolio_60_40 with
-- the data source. Method: the model's header and docs/marts_regimes.md.
{{ config(contract={'enforced': true}) }}

select
    int_portfolio_60_40.portfolio_id,
    int_portfolio_60_40.portfolio_name,
    int_portfolio_60_40.equity_weight,
    int_portfolio_60_40.bond_weight,
    int_portfolio_60_40.period_start,
    int_portfolio_60_40.period_end,
    int_portfolio_60_40.equity_return,
    int_portfolio_60_40.equity_return_basis,
    int_portfolio_60_40.bond_return,
    int_portfolio_60_40.portfolio_return,
    int_portfolio_60_40.wealth_index,
    int_portfolio_60_40.wealth_peak,
    int_portfolio_60_40.drawdown,
    int_portfolio_60_40.rolling_12m_return,
    int_portfolio_60_40.rolling_12m_volatility,
    {{ data_source() }}
from {{ ref('int_portfolio_60_40') }} as int_portfolio_60_40
