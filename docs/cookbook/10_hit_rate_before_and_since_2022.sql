-- Hit rate before 2000, 2000-2021 and since 2022, for every bond.
-- Recomputed from marts.asset_returns (complete calendar months, total returns) because the
-- scorecard cuts history by decade: "down" = S&P 500 monthly return < 0, "hit" = the bond's
-- return > 0 in that month. The same numbers as `bondhedge answer`.
with r as (
    select
        asset_id,
        period_end,
        total_return
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
        e.total_return as sp500_return,
        b.total_return as bond_return,
        case
            when year(e.period_end) < 2000 then '1) before 2000'
            when year(e.period_end) <= 2021 then '2) 2000-2021'
            else '3) 2022 on'
        end as period
    from r as e
    inner join r as b on e.period_end = b.period_end
    inner join reference.asset_catalog as c on b.asset_id = c.asset_id
    where e.asset_id = 'sp500' and c.asset_class <> 'equity'
)

select
    p.period,
    p.bond_asset_id,
    count(*) as months,
    count(*) filter (where p.sp500_return < 0) as down_months,
    count(*) filter (where p.sp500_return < 0 and p.bond_return > 0) as bond_up_months,
    round(
        count(*) filter (where p.sp500_return < 0 and p.bond_return > 0)
        / nullif(count(*) filter (where p.sp500_return < 0), 0),
        4
    ) as hit_rate,
    round(avg(p.bond_return) filter (where p.sp500_return < 0), 5)
        as mean_bond_return_when_sp500_down,
    min(p.period_end) as first_month,
    max(p.period_end) as last_month
from pairs as p
inner join reference.asset_catalog as c on p.bond_asset_id = c.asset_id
group by p.period, p.bond_asset_id, c.sort_order
order by c.sort_order, p.period;
