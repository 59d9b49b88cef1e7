-- A monthly-rebalanced balanced portfolio (sp500 / ust_10y at `portfolio_equity_weight`,
-- default 60/40) against 100 % sp500, one row per portfolio x month: int_portfolio_60_40 with
-- the data source. Method: the model's header and docs/marts_regimes.md.
{{ config(contract={'enforced': true}) }}

select
    int_portfolio_60_40.*,
    {{ data_source() }}
from {{ ref('int_portfolio_60_40') }} as int_portfolio_60_40
