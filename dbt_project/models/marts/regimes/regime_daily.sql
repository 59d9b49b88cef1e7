-- One row per business day: the market regime on that day, one column per flag, and the
-- inputs behind each flag (int_regime_daily, with the data source). Rules: dbt vars
-- (dbt_project.yml), docs/marts_regimes.md.
{{ config(contract={'enforced': true}) }}

select
    int_regime_daily.*,
    {{ data_source() }}
from {{ ref('int_regime_daily') }} as int_regime_daily
