-- Did bonds hedge in each S&P 500 drawdown?
-- One row per drawdown episode (a fall from a running high, peak close to trough close) with
-- the total return of four bonds over exactly those days; NULL where the bond's history does
-- not cover the whole episode. Returns are decimals (0.05 = 5 %).
select
    episode_id,
    peak_date,
    trough_date,
    recovery_date,
    round(depth, 4) as sp500_drawdown,
    business_days_peak_to_trough,
    round(max(bond_return_peak_to_trough) filter (where bond_asset_id = 'ust_2y'), 4)
        as ust_2y_return,
    round(max(bond_return_peak_to_trough) filter (where bond_asset_id = 'ust_10y'), 4)
        as ust_10y_return,
    round(max(bond_return_peak_to_trough) filter (where bond_asset_id = 'tips_10y'), 4)
        as tips_10y_return,
    round(max(bond_return_peak_to_trough) filter (where bond_asset_id = 'ig_credit'), 4)
        as ig_credit_return,
    count(*) filter (where bond_hedged) as bonds_that_rose,
    count(bond_return_peak_to_trough) as bonds_with_data,
    any_value(inflation_regime_at_peak) as inflation_regime_at_peak,
    any_value(hedge_regime_at_peak) as hedge_regime_at_peak,
    any_value(data_source) as data_source
from marts.drawdown_episodes
where equity_asset_id = 'sp500'
group by all
order by peak_date;
