{#- The value to pass to printf('%.0f', ...) so that both engines print the same digits.
    DuckDB's printf (like Python's format) rounds the double's exact binary value, a tie
    (x.5, exact in binary) to even; Spark's (Java's Formatter) rounds half up, so 82.5 prints
    83 there and 82 here. On Spark the value is first rounded half to even with bround: a
    double whose shortest decimal form is x.5 is exactly x.5, so bround and DuckDB agree on
    every value. (Only for 0 decimals: at 1 or more, Java's decimal-form rounding and the
    binary value can disagree in the last digit.) -#}
{% macro printf_whole(expr) -%}
    {{ return(adapter.dispatch('printf_whole', 'bondhedge')(expr)) }}
{%- endmacro %}

{% macro default__printf_whole(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro spark__printf_whole(expr) -%}
    bround({{ expr }}, 0)
{%- endmacro %}
