-- The stock-bond correlation now vs its own history.
-- For the S&P 500 against each bond: the latest trailing 252-day correlation of daily total
-- returns, where it sits in that pair's history (percentile = share of days with a lower
-- value), and how often the correlation was negative (bonds moving against stocks).
with history as (
    select
        bond_asset_id,
        as_of_date,
        correlation
    from marts.rolling_correlations
    where
        equity_asset_id = 'sp500'
        and frequency = 'daily'
        and window_periods = 252
        and correlation is not null
),

now as (
    select
        bond_asset_id,
        max(as_of_date) as as_of_date,
        arg_max(correlation, as_of_date) as correlation_now
    from history
    group by bond_asset_id
)

select
    n.bond_asset_id,
    n.as_of_date,
    round(n.correlation_now, 4) as correlation_now,
    round(median(h.correlation), 4) as history_median,
    round(min(h.correlation), 4) as history_min,
    round(max(h.correlation), 4) as history_max,
    round(avg((h.correlation < n.correlation_now)::int), 4) as percentile_of_now,
    round(avg((h.correlation < 0)::int), 4) as share_of_days_negative,
    min(h.as_of_date) as history_start,
    count(*) as history_days
from now as n
inner join history as h on n.bond_asset_id = h.bond_asset_id
group by n.bond_asset_id, n.as_of_date, n.correlation_now
order by n.correlation_now;
