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

{#- tightening / easing / hold from the change in fed funds over the policy window. -#}
{% macro policy_regime(fed_funds_change) -%}
    case
        when {{ fed_funds_change }} is null then null
        when {{ fed_funds_change }} > {{ var('regime_policy_change_threshold') }} then 'tightening'
        when {{ fed_funds_change }} < -{{ var('regime_policy_change_threshold') }} then 'easing'
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

{#- Risk-off: S&P 500 drawdown at or beyond the threshold, or VIX above its level (a missing
    VIX counts as "not above", so the drawdown alone decides before 1990). -#}
{% macro risk_off(spx_drawdown, vix) -%}
    case
        when {{ spx_drawdown }} is null and {{ vix }} is null then null
        else coalesce({{ spx_drawdown }} <= {{ var('regime_risk_off_drawdown') }}, false)
            or coalesce({{ vix }} > {{ var('regime_risk_off_vix') }}, false)
    end
{%- endmacro %}

{#- Credit stress: HY OAS above its threshold where HY exists (from 1997); otherwise the
    Moody's Baa - 10y spread above its threshold; null when neither exists. -#}
{% macro credit_stress(hy_oas, baa_spread) -%}
    case
        when {{ hy_oas }} is not null then {{ hy_oas }} > {{ var('regime_credit_stress_hy_oas') }}
        when {{ baa_spread }} is not null
            then {{ baa_spread }} > {{ var('regime_credit_stress_baa_spread') }}
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
                + {{ var('scorecard_wilson_z') }} ^ 2 / (2.0 * ({{ n }}))
                {{ '-' if side < 0 else '+' }} {{ var('scorecard_wilson_z') }} * sqrt(
                    (({{ k }})::double / ({{ n }})) * (1 - ({{ k }})::double / ({{ n }}))
                    / ({{ n }})
                    + {{ var('scorecard_wilson_z') }} ^ 2 / (4.0 * ({{ n }}) ^ 2)
                )
            ) / (1 + {{ var('scorecard_wilson_z') }} ^ 2 / ({{ n }}))
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
    `{{ regime_value('relation') }} as regime_value`. -#}
{% macro regime_dimension_names() -%}
    {{ return(['all', 'decade', 'inflation_regime', 'policy_regime', 'risk_off',
               'curve_inverted', 'credit_stress', 'hedge_regime']) }}
{%- endmacro %}

{% macro regime_dimensions_cross_join() -%}
cross join (
    values
    {% for name in regime_dimension_names() -%}
    ('{{ name }}'){{ ", " if not loop.last }}
    {%- endfor %}
) as dimensions (regime_dimension)
{%- endmacro %}

{% macro regime_value(relation) -%}
case dimensions.regime_dimension
    {% for name in regime_dimension_names() -%}
    when '{{ name }}' then {{ "'all'" if name == 'all' else relation ~ '.' ~ name }}
    {% endfor -%}
end
{%- endmacro %}
