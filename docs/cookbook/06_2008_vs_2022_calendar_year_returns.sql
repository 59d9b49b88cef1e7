-- 2008 vs 2022: the year bonds saved a portfolio and the year they sank with it.
-- Calendar-year total returns (S&P 500 with dividends, NASDAQ price-only) of every asset in both
-- years; NULL where an asset's history does not cover the year.
select
    c.asset_id,
    c.asset_name,
    c.asset_class,
    round(max(y.total_return) filter (where y.year = 2008), 4) as return_2008,
    round(max(y.total_return) filter (where y.year = 2022), 4) as return_2022,
    round(
        max(y.total_return) filter (where y.year = 2022)
        - max(y.total_return) filter (where y.year = 2008),
        4
    ) as change_2022_minus_2008,
    any_value(y.return_basis) as return_basis,
    any_value(y.data_source) as data_source
from reference.asset_catalog as c
inner join marts.calendar_year_returns as y
    on c.asset_id = y.asset_id and y.year in (2008, 2022)
group by c.asset_id, c.asset_name, c.asset_class, c.sort_order
order by c.sort_order;
