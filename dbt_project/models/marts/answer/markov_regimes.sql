-- One row per month: the Markov-switching hedge regime (int_markov_regimes, a dbt Python model
-- fitting statsmodels' MarkovRegression): the filtered probability (real time: data up to that
-- month) and the smoothed one (whole sample) that the hedge is failing and that it is working,
-- each summed over the regimes carrying that label, and the label with the highest filtered and
-- smoothed probability. Methods: docs/marts_answer.md.
{{ config(contract={'enforced': true}) }}

with by_label as (
    select
        period_end,
        regime,
        sum(filtered_probability) as filtered_probability,
        sum(smoothed_probability) as smoothed_probability
    from {{ ref('int_markov_regimes') }}
    group by period_end, regime
),

months as (
    select distinct
        period_end,
        equity_asset_id,
        bond_asset_id,
        equity_return,
        bond_return
    from {{ ref('int_markov_regimes') }}
),

per_month as (
    select
        months.period_end,
        months.equity_asset_id,
        months.bond_asset_id,
        months.equity_return,
        months.bond_return,
        coalesce(
            sum(by_label.filtered_probability) filter (where by_label.regime = 'hedge_failing'), 0
        ) as filtered_failing,
        coalesce(
            sum(by_label.smoothed_probability) filter (where by_label.regime = 'hedge_failing'), 0
        ) as smoothed_failing,
        coalesce(
            sum(by_label.filtered_probability) filter (where by_label.regime = 'hedge_working'), 0
        ) as filtered_working,
        coalesce(
            sum(by_label.smoothed_probability) filter (where by_label.regime = 'hedge_working'), 0
        ) as smoothed_working,
        arg_max(by_label.regime, by_label.filtered_probability) as filtered_regime,
        arg_max(by_label.regime, by_label.smoothed_probability) as smoothed_regime
    from months
    inner join by_label on months.period_end = by_label.period_end
    group by
        months.period_end,
        months.equity_asset_id,
        months.bond_asset_id,
        months.equity_return,
        months.bond_return
)

select
    per_month.period_end::date as period_end,
    per_month.equity_asset_id::varchar as equity_asset_id,
    per_month.bond_asset_id::varchar as bond_asset_id,
    per_month.equity_return::double as equity_return,
    per_month.bond_return::double as bond_return,
    -- a sum of clipped probabilities can exceed 1 by a rounding step
    least(per_month.filtered_failing, 1.0)::double as filtered_probability_failing,
    least(per_month.smoothed_failing, 1.0)::double as smoothed_probability_failing,
    least(per_month.filtered_working, 1.0)::double as filtered_probability_working,
    least(per_month.smoothed_working, 1.0)::double as smoothed_probability_working,
    per_month.filtered_regime::varchar as filtered_regime,
    per_month.smoothed_regime::varchar as smoothed_regime,
    warehouse_source.data_source::varchar as data_source
from per_month
cross join {{ ref('stg_warehouse_source') }} as warehouse_source
