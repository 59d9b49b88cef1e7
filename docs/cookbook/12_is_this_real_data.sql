-- Is this real data, and how fresh is it?
-- Every publish of this file (newest first) with its source; is_synthetic = true means the
-- offline SAMPLE (simulated series): never quote its numbers as market facts.
select
    p.published_at,
    p.run_id,
    p.data_source,
    p.is_synthetic,
    p.data_source_label,
    p.tables,
    p.total_rows,
    (select max(as_of_date) from marts.hedge_monitor_latest) as market_data_as_of,
    (select max(calendar_date) from marts.regime_daily) as calendar_through
from meta.publications as p
order by p.published_at desc;
