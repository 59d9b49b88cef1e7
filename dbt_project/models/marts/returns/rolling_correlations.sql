-- Trailing-window correlation, beta and downside beta of every non-equity asset against each
-- equity asset: int_rolling_correlations (incremental; its `built_at` says when each row was
-- computed) with the data source. Methods: docs/marts_returns.md.
select
    int_rolling_correlations.*,
    {{ data_source() }}
from {{ ref('int_rolling_correlations') }} as int_rolling_correlations
