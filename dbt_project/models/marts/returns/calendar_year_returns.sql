-- Calendar-year returns of every catalog asset, compounded from daily returns (decimals).
-- A year the asset covers only partly (first/last year of data) is kept with
-- is_complete_year = false. excess_return: total return minus the 3-month bill's return
-- over the same days (int_asset_returns_periodic). Methods: docs/marts_returns.md.
{{ config(materialized='table') }}

select
    year(periodic.period_key)::integer as year,  -- noqa: RF04
    {{ cast('periodic.asset_id', 'varchar') }} as asset_id,
    periodic.total_return::double as total_return,
    periodic.price_return::double as price_return,
    periodic.excess_return::double as excess_return,
    {{ cast('periodic.return_basis', 'varchar') }} as return_basis,
    periodic.n_days::integer as trading_days,
    periodic.period_start::date as first_trading_day,
    periodic.period_end::date as last_trading_day,
    periodic.is_complete_period::boolean as is_complete_year,
    {{ data_source() }}
from {{ ref('int_asset_returns_periodic') }} as periodic
where periodic.frequency = 'yearly'
