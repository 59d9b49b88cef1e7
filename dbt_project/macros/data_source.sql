{#- The `data_source` column every mart carries (sample, fred or csv: which source this
    warehouse holds, from stg_warehouse_source), so that sample output can never pass for
    market data. Use in a mart's final select: `select ..., {{ data_source() }} from ...`.
    A scalar subquery: stg_warehouse_source holds exactly one row (its exact_row_count test);
    with none the column is null and the mart's NOT NULL constraint refuses it, with two DuckDB
    raises "More than one row returned by a subquery" rather than duplicating the mart. -#}
{% macro data_source() -%}
    cast((select data_source from {{ ref('stg_warehouse_source') }}) as {{ dbt.type_string() }}) as data_source
{%- endmacro %}
