-- The answer, stated with its uncertainty: one row per equity x bond x frequency x era x
-- return basis. Point estimates and 95 % stationary-block-bootstrap intervals come from
-- int_hedge_bootstrap (dbt Python model); the i.i.d. intervals (Wilson for the hit rate,
-- Fisher-z for the correlation) are computed here, labelled as such; the era test compares
-- each era with the previous one (bootstrap p-values). `verdict` is generated from the row's
-- own numbers and says "significantly" only when the era test's p-value is below
-- var `answer_significance_level`. Methods: docs/marts_answer.md.
{{ config(contract={'enforced': true}) }}

{%- set alpha = var('answer_significance_level') %}

with boot as (
    select * from {{ ref('int_hedge_bootstrap') }}
),

names as (
    select
        asset_id,
        asset_name
    from {{ ref('stg_asset_catalog') }}
),

-- A cell's paired periods in which the equity's return is price-only (no dividend input for
-- them: FRED-MD not landed, or months it does not cover). "Total return" in the verdict
-- would overstate what was measured, so the verdict says how many there were.
equity_price_only as (
    select
        boot.equity_asset_id,
        boot.bond_asset_id,
        boot.frequency,
        boot.era,
        boot.return_basis,
        count(*) as equity_price_only_periods
    from boot
    inner join {{ ref('int_asset_returns') }} as equity
        on
            boot.equity_asset_id = equity.asset_id
            and boot.frequency = equity.frequency
            and equity.period_end between boot.first_period_end and boot.last_period_end
    inner join {{ ref('int_asset_returns') }} as bond
        on
            boot.bond_asset_id = bond.asset_id
            and equity.frequency = bond.frequency
            and equity.period_end = bond.period_end
    where
        equity.return_basis = 'price_only'
        and equity.is_complete_period
        and bond.is_complete_period
        and equity.total_return is not null and not isnan(equity.total_return)
        and (case when boot.return_basis = 'excess' then bond.excess_return else bond.total_return end)
        is not null
        and not isnan(case when boot.return_basis = 'excess' then bond.excess_return else bond.total_return end)
    group by boot.equity_asset_id, boot.bond_asset_id, boot.frequency, boot.era, boot.return_basis
),

eras as (
    select
        listed.era,
        listed.era_order
    from (
        values
        {% for era in var('answer_eras') -%}
            ('{{ era.name }}', {{ loop.index }}){{ ", " if not loop.last }}
        {%- endfor %}
    ) as listed (era, era_order)
),

joined as (
    select
        boot.*,
        eras.era_order,
        coalesce(price_only.equity_price_only_periods, 0) as equity_price_only_periods,
        equity_names.asset_name as equity_name,
        bond_names.asset_name as bond_name,
        previous.hit_rate as previous_hit_rate,
        -- Fisher-z interval of the correlation (i.i.d. periods): tanh(atanh(r) -/+ z / sqrt(n - 3))
        case
            when boot.correlation is not null and boot.periods > 3 and abs(boot.correlation) < 1
                then tanh(atanh(boot.correlation) - {{ var('scorecard_wilson_z') }} / sqrt(boot.periods - 3))
        end as correlation_fisher_low,
        case
            when boot.correlation is not null and boot.periods > 3 and abs(boot.correlation) < 1
                then tanh(atanh(boot.correlation) + {{ var('scorecard_wilson_z') }} / sqrt(boot.periods - 3))
        end as correlation_fisher_high
    from boot
    inner join eras on boot.era = eras.era
    left join equity_price_only as price_only
        on
            boot.equity_asset_id = price_only.equity_asset_id
            and boot.bond_asset_id = price_only.bond_asset_id
            and boot.frequency = price_only.frequency
            and boot.era = price_only.era
            and boot.return_basis = price_only.return_basis
    left join names as equity_names on boot.equity_asset_id = equity_names.asset_id
    left join names as bond_names on boot.bond_asset_id = bond_names.asset_id
    left join boot as previous
        on
            boot.previous_era = previous.era
            and boot.equity_asset_id = previous.equity_asset_id
            and boot.bond_asset_id = previous.bond_asset_id
            and boot.frequency = previous.frequency
            and boot.return_basis = previous.return_basis
),

worded as (
    select
        *,
        case frequency when 'daily' then 'days' when 'weekly' then 'weeks' else 'months' end
            as period_word,
        case return_basis
            when 'excess' then 'beat the 3-month bill'
            else 'rose'
        end as rose_word,
        case
            when hit_rate_boot_low is not null
                then
                    printf(
                        ' (95%% block-bootstrap interval %.0f–%.0f%%)',
                        {{ printf_whole('100 * hit_rate_boot_low') }},
                        {{ printf_whole('100 * hit_rate_boot_high') }}
                    )
            else ''
        end as interval_text,
        -- with no replicate as extreme as the estimate the p-value is its floor, 1 / (B + 1):
        -- the data say only that p is at most that
        case
            when hit_rate_diff_p_value <= 1.0 / (resamples + 1) + 1e-12
                then printf('bootstrap p ≤ %.3f, the floor at %d resamples', hit_rate_diff_p_value, resamples)
            else printf('bootstrap p = %.3f', hit_rate_diff_p_value)
        end as p_text
    from joined
)

select
    {{ cast('worded.equity_asset_id', 'varchar') }} as equity_asset_id,
    {{ cast('worded.bond_asset_id', 'varchar') }} as bond_asset_id,
    {{ cast('worded.frequency', 'varchar') }} as frequency,
    {{ cast('worded.era', 'varchar') }} as era,
    worded.era_order::integer as era_order,
    worded.era_start::date as era_start,
    worded.era_end::date as era_end,
    {{ cast('worded.return_basis', 'varchar') }} as return_basis,
    worded.periods::bigint as periods,
    worded.equity_price_only_periods::bigint as equity_price_only_periods,
    worded.stock_down_periods::bigint as stock_down_periods,
    worded.bond_up_when_stock_down::bigint as bond_up_when_stock_down,
    worded.first_period_end::date as first_period_end,
    worded.last_period_end::date as last_period_end,
    worded.hit_rate::double as hit_rate,
    worded.hit_rate_boot_low::double as hit_rate_ci_low,
    worded.hit_rate_boot_high::double as hit_rate_ci_high,
    ({{ wilson_bound('worded.bond_up_when_stock_down', 'worded.stock_down_periods', -1) }})::double
        as hit_rate_wilson_low,
    ({{ wilson_bound('worded.bond_up_when_stock_down', 'worded.stock_down_periods', 1) }})::double
        as hit_rate_wilson_high,
    worded.mean_bond_return_when_stock_down::double as mean_bond_return_when_stock_down,
    worded.mean_bond_return_when_stock_down_boot_low::double as mean_bond_return_when_stock_down_ci_low,
    worded.mean_bond_return_when_stock_down_boot_high::double as mean_bond_return_when_stock_down_ci_high,
    worded.median_bond_return_when_stock_down::double as median_bond_return_when_stock_down,
    worded.median_bond_return_when_stock_down_boot_low::double as median_bond_return_when_stock_down_ci_low,
    worded.median_bond_return_when_stock_down_boot_high::double as median_bond_return_when_stock_down_ci_high,
    worded.mean_stock_return_when_stock_down::double as mean_stock_return_when_stock_down,
    worded.offset_ratio::double as offset_ratio,
    worded.offset_ratio_boot_low::double as offset_ratio_ci_low,
    worded.offset_ratio_boot_high::double as offset_ratio_ci_high,
    worded.correlation::double as correlation,  -- noqa: RF04
    worded.correlation_boot_low::double as correlation_ci_low,
    worded.correlation_boot_high::double as correlation_ci_high,
    worded.correlation_fisher_low::double as correlation_fisher_low,
    worded.correlation_fisher_high::double as correlation_fisher_high,
    worded.beta::double as beta,
    worded.beta_boot_low::double as beta_ci_low,
    worded.beta_boot_high::double as beta_ci_high,
    worded.downside_beta::double as downside_beta,
    worded.downside_beta_boot_low::double as downside_beta_ci_low,
    worded.downside_beta_boot_high::double as downside_beta_ci_high,
    worded.upside_beta::double as upside_beta,
    worded.upside_beta_boot_low::double as upside_beta_ci_low,
    worded.upside_beta_boot_high::double as upside_beta_ci_high,
    worded.block_length::double as block_length,
    worded.resamples::integer as resamples,
    worded.resampled_through::date as resampled_through,
    worded.resampled_periods::bigint as resampled_periods,
    {{ cast('worded.previous_era', 'varchar') }} as previous_era,
    worded.hit_rate_diff::double as hit_rate_diff,
    worded.hit_rate_diff_p_value::double as hit_rate_diff_p_value,
    worded.mean_bond_return_when_stock_down_diff::double as mean_bond_return_when_stock_down_diff,
    worded.mean_bond_return_when_stock_down_diff_p_value::double
        as mean_bond_return_when_stock_down_diff_p_value,
    worded.correlation_diff::double as correlation_diff,
    worded.correlation_diff_p_value::double as correlation_diff_p_value,
    (
        worded.era || ' (' || worded.frequency || ', ' || worded.return_basis || ' return): '
        || case
            when worded.stock_down_periods = 0
                then
                    'the ' || coalesce(worded.equity_name, worded.equity_asset_id)
                    || ' never fell, so there is nothing to answer.'
            else
                'the ' || coalesce(worded.bond_name, worded.bond_asset_id) || ' '
                || worded.rose_word || ' in '
                || printf('%.0f%%', {{ printf_whole('100 * worded.hit_rate') }}) || ' of the '
                || {{ cast('worded.stock_down_periods', 'varchar') }} || ' ' || worded.period_word || ' the '
                || coalesce(worded.equity_name, worded.equity_asset_id) || ' fell'
                || worded.interval_text
                || case
                    when worded.previous_era is null then '.'
                    when worded.hit_rate_diff_p_value is null
                        then '; too few periods to compare with ' || worded.previous_era || '.'
                    when worded.hit_rate_diff_p_value < {{ alpha }}
                        then
                            ', significantly '
                            || case when worded.hit_rate_diff < 0 then 'less' else 'more' end
                            || ' often than in ' || worded.previous_era
                            || printf(' (%.0f%%; ', {{ printf_whole('100 * worded.previous_hit_rate') }}) || worded.p_text || ').'
                    else
                        ', not significantly different from ' || worded.previous_era
                        || printf(' (%.0f%%; ', {{ printf_whole('100 * worded.previous_hit_rate') }}) || worded.p_text || ').'
                end
        end
        || case
            when worded.equity_price_only_periods > 0
                then
                    ' Returns of the ' || coalesce(worded.equity_name, worded.equity_asset_id)
                    || ' are price only (no dividend input) in ' || {{ cast('worded.equity_price_only_periods', 'varchar') }}
                    || ' of these ' || {{ cast('worded.periods', 'varchar') }} || ' ' || worded.period_word || '.'
            else ''
        end
    ) as verdict,  -- a string: every branch concatenates strings
    {{ data_source() }}
from worded
