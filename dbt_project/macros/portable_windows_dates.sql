{#- More portable SQL (see portable.sql for the convention): date arithmetic, integer division
    and window functions that differ between DuckDB (the default implementation, the SQL the
    models had before) and Spark. Used by the regime models. -#}

{#- `date_expr` moved forward by `months_expr` whole months (negative: back), as a date. -#}
{% macro plus_months(date_expr, months_expr) -%}
    {{ return(adapter.dispatch('plus_months', 'bondhedge')(date_expr, months_expr)) }}
{%- endmacro %}

{% macro default__plus_months(date_expr, months_expr) -%}
    ({{ date_expr }} + to_months({{ months_expr }}))::date
{%- endmacro %}

{% macro spark__plus_months(date_expr, months_expr) -%}
    add_months({{ date_expr }}, {{ months_expr }})
{%- endmacro %}


{#- The last non-null `expr` of the window frame (use with `over ...`). -#}
{% macro last_ignore_nulls(expr) -%}
    {{ return(adapter.dispatch('last_ignore_nulls', 'bondhedge')(expr)) }}
{%- endmacro %}

{% macro default__last_ignore_nulls(expr) -%}
    last_value({{ expr }} ignore nulls)
{%- endmacro %}

{% macro spark__last_ignore_nulls(expr) -%}
    last({{ expr }}, true)
{%- endmacro %}


{#- Calendar days from the date `start_date` to the date `end_date` (an integer; DuckDB's
    date subtraction, Spark's datediff: on Spark `end - start` is an interval). -#}
{% macro days_between(start_date, end_date) -%}
    {{ return(adapter.dispatch('days_between', 'bondhedge')(start_date, end_date)) }}
{%- endmacro %}

{% macro default__days_between(start_date, end_date) -%}
    ({{ end_date }} - {{ start_date }})
{%- endmacro %}

{% macro spark__days_between(start_date, end_date) -%}
    datediff({{ end_date }}, {{ start_date }})
{%- endmacro %}


{#- Integer division (DuckDB `//`, which Spark does not parse; Spark's `div`). -#}
{% macro int_div(numerator, denominator) -%}
    {{ return(adapter.dispatch('int_div', 'bondhedge')(numerator, denominator)) }}
{%- endmacro %}

{% macro default__int_div(numerator, denominator) -%}
    ({{ numerator }} // {{ denominator }})
{%- endmacro %}

{% macro spark__int_div(numerator, denominator) -%}
    ({{ numerator }} div {{ denominator }})
{%- endmacro %}


{#- The median of the non-null `expr` over the window `window_spec` (the text inside
    `over (...)`; null when there are none). Spark refuses median() with a window order or
    frame: there the frame's values are collected and sorted, and an even count interpolates
    the two middle values as DuckDB does (lo + 0.5 x (hi - lo)). -#}
{% macro window_median(expr, window_spec) -%}
    {{ return(adapter.dispatch('window_median', 'bondhedge')(expr, window_spec)) }}
{%- endmacro %}

{% macro default__window_median(expr, window_spec) -%}
    median({{ expr }}) over ({{ window_spec }})
{%- endmacro %}

{% macro spark__window_median(expr, window_spec) -%}
    {%- set values = 'array_sort(collect_list(cast(' ~ expr ~ ' as double)) over (' ~ window_spec ~ '))' -%}
    {%- set n = 'size(' ~ values ~ ')' -%}
    {%- set mid = 'cast(' ~ n ~ ' div 2 as int)' -%}
    (case
        when {{ n }} = 0 then null
        when {{ n }} % 2 = 1 then element_at({{ values }}, {{ mid }} + 1)
        else element_at({{ values }}, {{ mid }})
            + cast(0.5 as double)
            * (element_at({{ values }}, {{ mid }} + 1) - element_at({{ values }}, {{ mid }}))
    end)
{%- endmacro %}
