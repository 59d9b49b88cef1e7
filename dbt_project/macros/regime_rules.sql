{#- Regime classification rules shared by the regime marts (regime_daily, hedge_monitor_latest),
    so a threshold lives in one place: dbt_project.yml `vars:`. Each returns a SQL expression;
    null inputs give a null label (never a guessed one). See docs/marts_regimes.md. -#}

{#- high / moderate / low from CPI year-on-year (decimal). -#}
{% macro inflation_regime(cpi_yoy) -%}
    case
        when {{ cpi_yoy }} is null then null
        when {{ cpi_yoy }} > {{ var('regime_inflation_high') }} then 'high'
        when {{ cpi_yoy }} < {{ var('regime_inflation_low') }} then 'low'
        else 'moderate'
    end
{%- endmacro %}

{#- tightening / easing / hold from the direction of the last policy move (a move of the
    10-day median fed funds rate by at least `regime_policy_move_threshold` over 10 business
    days): tightening after a hike, easing after a cut, for up to
    `regime_policy_hold_after_days` business days, unless the 2-year yield has crossed the
    funds rate by more than `regime_policy_2y_band` against that direction (the market prices
    the cycle's end: 2y below funds after hikes, above after cuts); otherwise hold. -#}
{% macro policy_regime(last_move_sign, days_since_move, fed_funds, ust_2y) -%}
    case
        when {{ fed_funds }} is null then null
        when {{ last_move_sign }} is null
            or {{ days_since_move }} > {{ var('regime_policy_hold_after_days') }} then 'hold'
        when {{ last_move_sign }} > 0
            and not coalesce({{ ust_2y }} < {{ fed_funds }} - {{ var('regime_policy_2y_band') }}, false)
            then 'tightening'
        when {{ last_move_sign }} < 0
            and not coalesce({{ ust_2y }} > {{ fed_funds }} + {{ var('regime_policy_2y_band') }}, false)
            then 'easing'
        else 'hold'
    end
{%- endmacro %}

{#- negative / neutral / positive: the sign of the stock-bond correlation outside the neutral
    band. `negative` = bonds have been hedging stocks; `positive` = they fell together. -#}
{% macro hedge_regime(correlation) -%}
    case
        when {{ correlation }} is null or isnan({{ correlation }}) then null
        when {{ correlation }} < -{{ var('regime_hedge_neutral_band') }} then 'negative'
        when {{ correlation }} > {{ var('regime_hedge_neutral_band') }} then 'positive'
        else 'neutral'
    end
{%- endmacro %}

{#- Risk-off: a fresh shock, not a distance from the all-time high: VIX above
    `regime_risk_off_vix`, or VIX above `regime_risk_off_vix_ratio` x its trailing median, or
    the S&P 500 down at least `regime_risk_off_fall` over `regime_risk_off_fall_days` business
    days (the only test before VIX exists, 1990). A missing input counts as "no shock". -#}
{% macro risk_off(vix, vix_median, spx_return_fast) -%}
    case
        when {{ vix }} is null and {{ spx_return_fast }} is null then null
        else coalesce({{ vix }} > {{ var('regime_risk_off_vix') }}, false)
            or coalesce({{ vix }} > {{ var('regime_risk_off_vix_ratio') }} * {{ vix_median }}, false)
            or coalesce({{ spx_return_fast }} <= {{ var('regime_risk_off_fall') }}, false)
    end
{%- endmacro %}

{#- Credit stress relative to the spread's own history: HY OAS where it exists (from 1997),
    else the Baa - 10y spread, more than `regime_credit_stress_z` trailing standard deviations
    above its mean over the previous `regime_credit_stress_window_days` business days. -#}
{% macro credit_stress(credit_spread_z) -%}
    case
        when {{ credit_spread_z }} is not null
            then {{ credit_spread_z }} > {{ var('regime_credit_stress_z') }}
    end
{%- endmacro %}

{#- '1960s', '1970s', ... for a date. -#}
{% macro decade_label(date_expr) -%}
    ((year({{ date_expr }}) // 10) * 10)::varchar || 's'
{%- endmacro %}

{#- Wilson score interval bound for a binomial proportion (successes k of n), at the z of
    var `scorecard_wilson_z` (1.96 = 95 %). side = -1 for the low bound, +1 for the high. -#}
{% macro wilson_bound(k, n, side) -%}
    case
        when {{ n }} is null or {{ n }} = 0 then null
        {#- exact bounds at the edges (the formula gives them only up to rounding) #}
        when ({{ k }}) = ({{ n }}) and {{ side }} > 0 then 1.0
        when ({{ k }}) = 0 and {{ side }} < 0 then 0.0
        else greatest(0.0, least(1.0,
            (
                ({{ k }})::double / ({{ n }})
                + power({{ var('scorecard_wilson_z') }}, 2) / (2.0 * ({{ n }}))
                {{ '-' if side < 0 else '+' }} {{ var('scorecard_wilson_z') }} * sqrt(
                    (({{ k }})::double / ({{ n }})) * (1 - ({{ k }})::double / ({{ n }}))
                    / ({{ n }})
                    + power({{ var('scorecard_wilson_z') }}, 2) / (4.0 * power({{ n }}, 2))
                )
            ) / (1 + power({{ var('scorecard_wilson_z') }}, 2) / ({{ n }}))
        ))
    end
{%- endmacro %}

{#- Generic test: every row satisfies a SQL boolean expression (null counts as satisfied). -#}
{% test row_condition(model, expression, column_name=none) %}
select *
from {{ model }}
where not coalesce(({{ expression }}), true)
{% endtest %}

{#- Generic test: the model has exactly `n_rows` rows. -#}
{% test exact_row_count(model, n_rows=1) %}
select count(*) as n_rows
from {{ model }}
having count(*) <> {{ n_rows }}
{% endtest %}

{#- The regime dimensions the scorecard and the 60/40 summary are cut by, as one row per
    (period, dimension): `relation` must carry a column named after each dimension (and
    `decade`). Use as `from relation {{ regime_dimensions_cross_join() }}` and select
    `{{ regime_value('relation') }} as regime_value`. The list: var `regime_dimensions`. -#}
{% macro regime_dimension_names() -%}
    {{ return(var('regime_dimensions')) }}
{%- endmacro %}

{% macro regime_dimensions_cross_join(extra=[]) -%}
cross join (
    values
    {% for name in regime_dimension_names() + extra -%}
    ('{{ name }}'){{ ", " if not loop.last }}
    {%- endfor %}
) as dimensions (regime_dimension)
{%- endmacro %}

{% macro regime_value(relation, extra=[]) -%}
case dimensions.regime_dimension
    {% for name in regime_dimension_names() + extra -%}
    when '{{ name }}' then {{ "'all'" if name == 'all' else relation ~ '.' ~ name }}
    {% endfor -%}
end
{%- endmacro %}

{#- The scorecard's rule for a sample correlation, shared by every mart that aggregates one
    (hedge_scorecard, vix_bucket_correlations): null unless there are at least
    var `scorecard_min_periods` periods, both variances are positive and DuckDB's corr() is not
    NaN (it gives NaN, not NULL, on too few rows); clamped to [-1, 1] against rounding. -#}
{% macro guarded_correlation(n, stock_variance, bond_variance, raw_correlation) -%}
    case
        when
            {{ n }} >= {{ var('scorecard_min_periods') }}
            and {{ stock_variance }} > 0 and {{ bond_variance }} > 0
            and not isnan({{ raw_correlation }})
            then greatest(-1.0, least(1.0, {{ raw_correlation }}))
    end
{%- endmacro %}

{#- The matching rule for an OLS slope of bond on equity: enough periods and a positive
    equity variance. -#}
{% macro guarded_beta(n, stock_variance, raw_beta) -%}
    case
        when {{ n }} >= {{ var('scorecard_min_periods') }} and {{ stock_variance }} > 0
            then {{ raw_beta }}
    end
{%- endmacro %}
