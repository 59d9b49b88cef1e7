-- Which bonds hedged in 2022?
-- Every non-equity asset's 2022 calendar-year total return next to the S&P 500's, and its
-- return over the 2022 S&P 500 drawdown (peak to trough). hedged_in_2022 = positive return
-- in the year the S&P 500 fell.
with sp500 as (
    select total_return as sp500_return_2022
    from marts.calendar_year_returns
    where asset_id = 'sp500' and year = 2022
),

drawdown_2022 as (
    select
        bond_asset_id,
        bond_return_peak_to_trough
    from marts.drawdown_episodes
    where equity_asset_id = 'sp500' and year(peak_date) = 2022
)

select
    y.asset_id,
    c.asset_name,
    c.asset_class,
    round(y.total_return, 4) as return_2022,
    round(sp500.sp500_return_2022, 4) as sp500_return_2022,
    y.total_return > 0 as hedged_in_2022,
    round(d.bond_return_peak_to_trough, 4) as return_in_2022_drawdown,
    y.trading_days,
    y.is_complete_year,
    y.data_source
from marts.calendar_year_returns as y
inner join reference.asset_catalog as c on y.asset_id = c.asset_id
cross join sp500
left join drawdown_2022 as d on y.asset_id = d.bond_asset_id
where y.year = 2022 and c.asset_class <> 'equity'
order by y.total_return desc;
