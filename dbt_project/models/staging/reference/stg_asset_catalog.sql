-- The asset catalog seed as models read it: every model selects the seed through this view,
-- so a renamed or retyped seed column is handled in one place.
select
    asset_id,
    asset_name,
    asset_class,
    credit_quality,
    maturity_years,
    yield_series_id,
    spread_series_id,
    price_series_id,
    inflation_series_id,
    dividend_series_id,
    return_method,
    return_basis,
    sort_order
from {{ ref('asset_catalog') }}
