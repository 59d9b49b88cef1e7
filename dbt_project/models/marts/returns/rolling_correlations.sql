-- Trailing-window correlation, beta and downside beta of every non-equity asset against each
-- equity asset: int_rolling_correlations (incremental; its `built_at` says when each row was
-- computed) with the data source. Methods: docs/marts_returns.md. Incremental like its source:
-- a run copies only the as-of dates int_rolling_correlations rewrote (macros/incremental.sql).
{#- Spark: a plain table, rebuilt from int_rolling_correlations on every run (the enforced
    contract leaves no room for the partition column of replace_from_config). -#}
{%- if target.type == 'spark' %}
{{ config(materialized='table', file_format='parquet') }}
{%- else %}
{{ config(**replace_from_config(
    'as_of_date', 'rolling_correlations_copy_from',
    ['as_of_date', 'frequency', 'window_periods', 'equity_asset_id', 'bond_asset_id'],
)) }}
{%- endif %}

select
    int_rolling_correlations.as_of_date,
    int_rolling_correlations.frequency,
    int_rolling_correlations.window_periods,
    int_rolling_correlations.equity_asset_id,
    int_rolling_correlations.bond_asset_id,
    int_rolling_correlations.window_start_date,
    int_rolling_correlations.correlation,
    int_rolling_correlations.beta,
    int_rolling_correlations.downside_beta,
    int_rolling_correlations.n_obs,
    int_rolling_correlations.n_downside_obs,
    int_rolling_correlations.built_at,
    {{ data_source() }}
from {{ ref('int_rolling_correlations') }} as int_rolling_correlations
{%- if is_incremental() %}
where int_rolling_correlations.as_of_date >= {{ rolling_correlations_copy_from() }}  -- noqa: LT02
{%- endif %}
