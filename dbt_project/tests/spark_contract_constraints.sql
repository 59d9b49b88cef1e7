{#- The contracted models' column rules where the engine cannot enforce them (issue 13): on
    Spark the Parquet tables take no NOT NULL or CHECK constraint (spark__persist_constraints
    skips them), so this test reads every `not_null` and `check` constraint of every model with
    an enforced contract from the graph (the same YAML DuckDB enforces, written once) and
    counts the rows of each existing table that break it. A CHECK passes when its expression is
    null, as in SQL. Disabled on DuckDB, which enforces the constraints itself. -#}
{{ config(enabled=target.type != 'duckdb', severity='error') }}
{%- set checks = [] -%}
{%- if execute -%}
    {%- for node in graph.nodes.values()
        if node.resource_type == 'model' and node.config.contract.enforced -%}
        {%- set relation = adapter.get_relation(
            database=node.database, schema=node.schema, identifier=node.alias) -%}
        {%- if relation is not none -%}
            {%- for column in node.columns.values() -%}
                {%- for constraint in column.constraints
                    if constraint.type in ('not_null', 'check') -%}
                    {%- set rule = (column.name ~ ' is not null') if constraint.type == 'not_null'
                        else constraint.expression -%}
                    {%- do checks.append(
                        (node.name, column.name, constraint.type, rule, relation)) -%}
                {%- endfor -%}
            {%- endfor -%}
            {%- for constraint in node.constraints if constraint.type == 'check' -%}
                {%- do checks.append(
                    (node.name, '', 'check', constraint.expression, relation)) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
{%- endif -%}
{%- for model_name, column_name, kind, rule, relation in checks %}
select
    '{{ model_name }}' as model_name,
    '{{ column_name }}' as column_name,
    '{{ kind }}' as constraint_type,
    '{{ rule | replace("\\", "\\\\") | replace("'", "\\'") }}' as rule,
    count(*) as failing_rows
from {{ relation }}
where not coalesce({{ rule }}, true)
having count(*) > 0
{% if not loop.last %}union all{% endif %}
{%- else %}
select
    'none' as model_name,
    'none' as column_name,
    'none' as constraint_type,
    'none' as rule,
    0 as failing_rows
where false
{%- endfor %}
