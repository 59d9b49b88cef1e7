-- Returns of every catalog asset at daily, weekly (ISO week) and monthly frequency, in
-- decimals (0.01 = 1 %): int_asset_returns with the data source. Methods:
-- docs/marts_returns.md.
select
    int_asset_returns.*,
    {{ data_source() }}
from {{ ref('int_asset_returns') }} as int_asset_returns
