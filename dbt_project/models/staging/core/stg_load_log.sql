-- Landing attempts, typed; the latest attempt per series tells operators what failed and why.
select
    run_id,
    series_id,
    source,
    requested_start,
    requested_end,
    rows_fetched,
    rows_inserted,
    rows_updated,
    rows_unchanged,
    status,
    error,
    started_at,
    finished_at,
    row_number() over (partition by series_id order by started_at desc) = 1 as is_latest
from {{ source('raw', 'load_log') }}
