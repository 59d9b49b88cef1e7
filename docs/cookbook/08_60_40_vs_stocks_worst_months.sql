-- 60/40 vs stocks in the S&P 500's worst months.
-- The 15 worst months for the S&P 500 (price index) with the 10-year Treasury and the
-- monthly-rebalanced 60/40 portfolio in the same month: how much the bond sleeve cushioned.
with months as (
    select
        period_end,
        max(equity_return) filter (where portfolio_id = 'equity_only') as sp500_return,
        max(bond_return) filter (where portfolio_id = 'balanced') as ust_10y_return,
        max(portfolio_return) filter (where portfolio_id = 'balanced') as portfolio_60_40_return,
        max(drawdown) filter (where portfolio_id = 'equity_only') as sp500_drawdown,
        max(drawdown) filter (where portfolio_id = 'balanced') as portfolio_60_40_drawdown,
        any_value(data_source) as data_source
    from marts.portfolio_60_40
    group by period_end
)

select
    period_end,
    round(sp500_return, 4) as sp500_return,
    round(ust_10y_return, 4) as ust_10y_return,
    round(portfolio_60_40_return, 4) as portfolio_60_40_return,
    round(portfolio_60_40_return - sp500_return, 4) as cushion,
    ust_10y_return > 0 as bonds_rose,
    round(sp500_drawdown, 4) as sp500_drawdown,
    round(portfolio_60_40_drawdown, 4) as portfolio_60_40_drawdown,
    data_source
from months
where sp500_return is not null
order by months.sp500_return  -- unrounded: the output column is rounded, and ties would reorder
limit 15;
