-- Hit rate by decade: in months the S&P 500 fell, how often did each Treasury rise?
-- From marts.hedge_scorecard (complete calendar months, total returns; "hit" = bond return > 0
-- in a month with a negative S&P 500 return), with the Wilson 95 % interval.
select
    regime_value as decade,
    bond_asset_id,
    stock_down_periods as down_months,
    bond_up_when_stock_down as bond_up_months,
    round(hit_rate, 4) as hit_rate,
    round(hit_rate_ci_low, 4) as hit_rate_ci_low,
    round(hit_rate_ci_high, 4) as hit_rate_ci_high,
    round(mean_bond_return_when_stock_down, 5) as mean_bond_return_when_stock_down,
    round(correlation, 3) as correlation,
    data_source
from marts.hedge_scorecard
where
    equity_asset_id = 'sp500'
    and frequency = 'monthly'
    and regime_dimension = 'decade'
    and bond_asset_id in ('ust_2y', 'ust_10y', 'ust_30y')
order by decade, bond_asset_id;
