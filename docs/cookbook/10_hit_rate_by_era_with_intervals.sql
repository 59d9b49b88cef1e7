-- Hit rate, mean and correlation per era for every bond, with their uncertainty: the same
-- rows `bondhedge answer` prints. Everything comes from marts.hedge_answer (computed once, in
-- dbt): 95 % stationary block bootstrap intervals, the i.i.d. Wilson interval, the excess-return
-- hit rate, the bootstrap p-value of the difference from the previous era, and the verdict.
select
    t.era,
    t.bond_asset_id,
    t.periods as months,
    t.stock_down_periods as down_months,
    t.bond_up_when_stock_down as bond_up_months,
    round(t.hit_rate, 4) as hit_rate,
    round(t.hit_rate_ci_low, 4) as hit_rate_ci_low,
    round(t.hit_rate_ci_high, 4) as hit_rate_ci_high,
    round(t.hit_rate_wilson_low, 4) as hit_rate_wilson_low,
    round(t.hit_rate_wilson_high, 4) as hit_rate_wilson_high,
    round(x.hit_rate, 4) as excess_hit_rate,
    round(t.mean_bond_return_when_stock_down, 5) as mean_bond_return_when_sp500_down,
    round(t.correlation, 3) as correlation,
    round(t.correlation_ci_low, 3) as correlation_ci_low,
    round(t.correlation_ci_high, 3) as correlation_ci_high,
    t.previous_era,
    round(t.hit_rate_diff_p_value, 3) as hit_rate_p_vs_previous_era,
    t.verdict,
    t.first_period_end as first_month,
    t.last_period_end as last_month
from marts.hedge_answer as t
left join marts.hedge_answer as x
    on
        x.return_basis = 'excess'
        and t.equity_asset_id = x.equity_asset_id
        and t.bond_asset_id = x.bond_asset_id
        and t.frequency = x.frequency
        and t.era = x.era
inner join reference.asset_catalog as c on t.bond_asset_id = c.asset_id
where
    t.return_basis = 'total'
    and t.equity_asset_id = 'sp500'
    and t.frequency = 'monthly'
order by c.sort_order, t.era_order;
