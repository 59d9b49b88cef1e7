{#- The Dagster UI's metadata of a model or seed, measured by dbt right after the node is built
    (a project-wide post-hook, dbt_project.yml): row count, the range of its time axis, a
    preview and business metrics, in one query, logged as one line
    "<marker> <json>" that Dagster's dbt step attaches to the node's materialization as it
    streams (orchestration/lib/table_stats.py holds the rules and reads the line). The dbt
    process holds DuckDB's single writer lock, so Dagster could not read the warehouse itself
    until dbt exits.

    The rules come in the var `dagster_table_stats` (the pipeline's dbt step passes it); without
    it, on other targets, or at parse time the hook renders nothing. -#}
{% macro dagster_table_stats() %}
    {%- set spec = var('dagster_table_stats', none) -%}
    {%- if not execute or not spec or target.type != 'duckdb' -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set columns = adapter.get_columns_in_relation(this) | map(attribute='name') | map('lower') | list -%}
    {%- if not columns -%}
        {{- return('') -}}
    {%- endif -%}
    {%- set axes = [] -%}
    {%- for pair in spec['date_axes'] if pair[0] in columns and pair[1] in columns -%}
        {%- do axes.append(pair) -%}
    {%- endfor -%}
    {%- set axis = axes[0] if axes else none -%}
    {%- set relation = this ~ '' -%}
    {%- set name = this.identifier -%}
    {%- if name in spec['previews'] -%}
        {%- set caption = 'headline rows' -%}
        {%- set preview = spec['previews'][name] | replace('{this}', relation) -%}
    {%- else -%}
        {%- set caption = 'latest 5 rows' -%}
        {%- set order = (' order by ' ~ adapter.quote(axis[1]) ~ ' desc') if axis else '' -%}
        {%- set preview = 'select * from ' ~ relation ~ order ~ ' limit 5' -%}
    {%- endif -%}
    {%- set metrics = spec['metrics'].get(name) -%}
    {%- set query -%}
        select to_json({
            'axis': {{ ("['" ~ axis[0] ~ "', '" ~ axis[1] ~ "']") if axis else 'null' }},
            {#- one scan for the count and the axis's range (a view is a query) #}
            'stats': (select {
                'row_count': count(*),
                'lo': {{ ('min(' ~ adapter.quote(axis[0]) ~ ')::varchar') if axis else 'null' }},
                'hi': {{ ('max(' ~ adapter.quote(axis[1]) ~ ')::varchar') if axis else 'null' }}
            } from {{ relation }}),
            'caption': '{{ caption }}',
            'preview': (select list(p) from ({{ preview }}) as p),
            'metrics': {% if metrics -%}
                (select m from (select
                {%- for metric, expression in metrics['select'].items() %}
                    {{ expression }} as {{ adapter.quote(metric) }}{{ ',' if not loop.last }}
                {%- endfor %}
                from {{ metrics['from'] | replace('{this}', relation) }}) as m)
            {%- else -%} null {%- endif %}
        }) as stats
    {%- endset -%}
    {%- set stats = run_query(query).columns[0].values()[0] -%}
    {{- log(spec['marker'] ~ ' ' ~ stats, info=true) -}}
    {{- return('') -}}
{% endmacro %}
