-- One row per month: the Markov-switching hedge regime (int_markov_regimes, a dbt Python model
-- fitting statsmodels' MarkovRegression, summed per label in int_markov_regime_monthly): the
-- filtered probability (real time: data up to that month) and the smoothed one (whole sample)
-- that the hedge is failing and that it is working, and the label with the highest filtered
-- and smoothed probability. Methods: docs/marts_answer.md.
{{ config(contract={'enforced': true}) }}

select
    period_end::date as period_end,
    {{ cast('equity_asset_id', 'varchar') }} as equity_asset_id,
    {{ cast('bond_asset_id', 'varchar') }} as bond_asset_id,
    equity_return::double as equity_return,
    bond_return::double as bond_return,
    filtered_probability_failing::double as filtered_probability_failing,
    smoothed_probability_failing::double as smoothed_probability_failing,
    filtered_probability_working::double as filtered_probability_working,
    smoothed_probability_working::double as smoothed_probability_working,
    {{ cast('filtered_regime', 'varchar') }} as filtered_regime,
    {{ cast('smoothed_regime', 'varchar') }} as smoothed_regime,
    {{ data_source() }}
from {{ ref('int_markov_regime_monthly') }}
