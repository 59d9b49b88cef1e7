-- One row per month of the Markov-switching fit (int_markov_regimes holds one row per month x
-- regime): the filtered (real time) and smoothed probabilities summed over the regimes carrying
-- each label, and the most probable label. Read by the markov_regimes mart and by the
-- scorecard's `markov_regime` dimension, so both use one rule. Methods: docs/marts_answer.md.

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
        {{ arg_max('by_label.regime', 'by_label.filtered_probability') }} as filtered_regime,
        {{ arg_max('by_label.regime', 'by_label.smoothed_probability') }} as smoothed_regime
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
    period_end,
    equity_asset_id,
    bond_asset_id,
    equity_return,
    bond_return,
    -- a sum of clipped probabilities can exceed 1 by a rounding step
    least(filtered_failing, 1.0) as filtered_probability_failing,
    least(smoothed_failing, 1.0) as smoothed_probability_failing,
    least(filtered_working, 1.0) as filtered_probability_working,
    least(smoothed_working, 1.0) as smoothed_probability_working,
    filtered_regime,
    smoothed_regime
from per_month
