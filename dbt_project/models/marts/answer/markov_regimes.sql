-- One row per month: the Markov-switching hedge regime (int_markov_regimes, a dbt Python model
-- fitting statsmodels' MarkovRegression): the filtered probability that the hedge is failing
-- (real time: data up to that month) and the smoothed one (whole sample), and the label of the
-- more likely filtered regime. Methods: docs/marts_answer.md.
{{ config(contract={'enforced': true}) }}

select
    markov.period_end::date as period_end,
    markov.equity_asset_id::varchar as equity_asset_id,
    markov.bond_asset_id::varchar as bond_asset_id,
    markov.equity_return::double as equity_return,
    markov.bond_return::double as bond_return,
    markov.filtered_probability_failing::double as filtered_probability_failing,
    markov.smoothed_probability_failing::double as smoothed_probability_failing,
    (case
        when markov.filtered_probability_failing > 0.5 then 'hedge_failing'
        else 'hedge_working'
    end)::varchar as filtered_regime,
    warehouse_source.data_source::varchar as data_source
from {{ ref('int_markov_regimes') }} as markov
cross join {{ ref('stg_warehouse_source') }} as warehouse_source
