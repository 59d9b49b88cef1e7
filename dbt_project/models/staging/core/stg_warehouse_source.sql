-- One row: which source this warehouse holds, and whether it is the synthetic sample.
-- Marts join it so that sample output can never pass for market data.
select
    value as data_source,
    value = 'sample' as is_synthetic,
    case
        when value = 'sample' then 'SYNTHETIC SAMPLE - not market data'
        when value = 'fred' then 'FRED (Federal Reserve Bank of St. Louis)'
        else 'FRED-format CSV files'
    end as data_source_label
from {{ source('raw', 'warehouse_meta') }}
where key = 'source'
