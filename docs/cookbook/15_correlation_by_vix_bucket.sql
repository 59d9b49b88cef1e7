-- Does the stock-bond correlation depend on how stressed markets were the day before? Daily
-- S&P 500 / 10-year Treasury correlation, beta and hit rate by the previous day's VIX bucket
-- (< 15, 15-20, 20-30, > 30) and era. From marts.vix_bucket_correlations (VIX starts in 1990).
select
    era,
    vix_bucket,
    days,
    stock_down_days,
    round(hit_rate, 4) as hit_rate,
    round(correlation, 3) as correlation,
    round(beta, 3) as beta,
    round(mean_previous_vix, 1) as mean_previous_vix,
    first_day,
    last_day
from marts.vix_bucket_correlations
where equity_asset_id = 'sp500' and bond_asset_id = 'ust_10y'
order by era_order, vix_bucket_order;
