-- How much of each bond's hit rate is carry? Hit rate on total return vs on excess return.
-- Complete calendar months from marts.asset_returns: "down" = S&P 500 monthly total return
-- < 0; a hit on total return = the bond's total return > 0, on excess return = it beat the
-- 3-month bill that month (excess_return > 0; see the excess_return docs for the bill used).
with r as (
    select
        asset_id,
        period_end,
        total_return,
        excess_return,
        data_source
    from marts.asset_returns
    where
        frequency = 'monthly'
        and is_complete_period
        and total_return is not null
        and not isnan(total_return)
),

pairs as (
    select
        b.asset_id as bond_asset_id,
        e.period_end,
        b.total_return as bond_return,
        b.excess_return as bond_excess_return,
        b.data_source
    from r as e
    inner join r as b on e.period_end = b.period_end
    inner join reference.asset_catalog as c on b.asset_id = c.asset_id
    where e.asset_id = 'sp500' and c.asset_class <> 'equity' and e.total_return < 0
        and b.excess_return is not null
)

select
    p.bond_asset_id,
    count(*) as down_months,
    round(count(*) filter (where p.bond_return > 0) / count(*), 4) as hit_rate_total,
    round(count(*) filter (where p.bond_excess_return > 0) / count(*), 4) as hit_rate_excess,
    round(avg(p.bond_return), 5) as mean_total_return_when_down,
    round(avg(p.bond_excess_return), 5) as mean_excess_return_when_down,
    min(p.period_end) as first_month,
    max(p.period_end) as last_month,
    any_value(p.data_source) as data_source
from pairs as p
inner join reference.asset_catalog as c on p.bond_asset_id = c.asset_id
group by p.bond_asset_id, c.sort_order
order by c.sort_order;
