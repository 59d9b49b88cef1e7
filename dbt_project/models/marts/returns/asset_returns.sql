-- Returns of every catalog asset at daily, weekly (ISO week) and monthly frequency, in
-- decimals (0.01 = 1 %): int_asset_returns with the data source. Methods:
-- docs/marts_returns.md.
select
    int_asset_returns.asset_id,
    int_asset_returns.frequency,
    int_asset_returns.period_start,
    int_asset_returns.period_end,
    int_asset_returns.base_date,
    int_asset_returns.total_return,
    int_asset_returns.price_return,
    int_asset_returns.excess_return,
    int_asset_returns.return_basis,
    int_asset_returns.n_days,
    int_asset_returns.is_complete_period,
    {{ data_source() }}
from {{ ref('int_asset_returns') }} as int_asset_returns
