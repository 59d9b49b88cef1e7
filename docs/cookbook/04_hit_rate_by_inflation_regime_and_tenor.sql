-- Hit rate by inflation regime, for each Treasury and TIPS tenor.
-- The regime is the one at the start of the month (CPI year-on-year as it was published:
-- high above 4 %, low below 2 %). Sorted by regime, then maturity, so the tenor pattern
-- within a regime reads top to bottom.
select
    s.regime_value as inflation_regime,
    s.bond_asset_id,
    c.asset_class,
    c.maturity_years,
    s.stock_down_periods as down_months,
    round(s.hit_rate, 4) as hit_rate,
    round(s.hit_rate_ci_low, 4) as hit_rate_ci_low,
    round(s.hit_rate_ci_high, 4) as hit_rate_ci_high,
    round(s.mean_bond_return_when_stock_down, 5) as mean_bond_return_when_stock_down,
    round(s.correlation, 3) as correlation,
    s.data_source
from marts.hedge_scorecard as s
inner join reference.asset_catalog as c on s.bond_asset_id = c.asset_id
where
    s.equity_asset_id = 'sp500'
    and s.frequency = 'monthly'
    and s.regime_dimension = 'inflation_regime'
    and c.asset_class in ('treasury', 'tips')
order by
    case s.regime_value when 'low' then 1 when 'moderate' then 2 else 3 end,
    c.asset_class desc,
    c.maturity_years;
