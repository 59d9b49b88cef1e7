{#- Spark target: register the Parquet export of the raw landing (ingestion/parquet_export.py)
    as the tables of the `raw` source, so models read `source('raw', ...)` on Spark as on
    DuckDB. External tables: dropping one never deletes the files. Run with
    `dbt run-operation register_raw_parquet --args '{raw_dir: /abs/path}' --target spark`. -#}
{% macro register_raw_parquet(raw_dir) %}
    {%- if target.type != 'spark' -%}
        {{ exceptions.raise_compiler_error('register_raw_parquet is for the spark target, not ' ~ target.type) }}
    {%- endif -%}
    {%- set tables = [] -%}
    {%- for node in graph.sources.values() if node.source_name == 'raw' -%}
        {%- do tables.append((node.schema, node.identifier)) -%}
    {%- endfor -%}
    {%- do run_query('create database if not exists ' ~ tables[0][0]) -%}
    {%- for schema, table in tables -%}
        {%- do run_query('drop table if exists ' ~ schema ~ '.' ~ table) -%}
        {%- do run_query('create table ' ~ schema ~ '.' ~ table ~ " using parquet location '"
            ~ raw_dir ~ '/' ~ table ~ "'") -%}
        {%- set n = run_query('select count(*) from ' ~ schema ~ '.' ~ table).columns[0].values()[0] -%}
        {{ log('registered ' ~ schema ~ '.' ~ table ~ ': ' ~ n ~ ' rows', info=true) }}
    {%- endfor -%}
{% endmacro %}

{#- Spark target: write relations (schema.name, tables or views) to `out_dir/<name>` as
    Parquet, for the parity test and for publishing into DuckDB. -#}
{% macro export_parquet(relations, out_dir) %}
    {%- for relation in relations -%}
        {%- do run_query("insert overwrite directory '" ~ out_dir ~ "/" ~ relation.split('.')[-1]
            ~ "' using parquet select * from " ~ relation) -%}
        {{ log('exported ' ~ relation ~ ' -> ' ~ out_dir, info=true) }}
    {%- endfor -%}
{% endmacro %}

{#- The pipeline's Spark build (Dagster's dbt step, target spark): dbt_project.yml's run hooks.
    Before the build, register the raw Parquet export (var `spark_raw_dir`); after it, export
    every table this build made in the published schemas (var `spark_export`: `dir`,
    `schemas`, `extra`: schema.name of other relations the publish step reads) to
    `dir/<schema>/<name>`, which the publish step loads into the published DuckDB file. Both
    do nothing without their var, and on any other target. -#}
{% macro spark_run_start() %}
    {%- if execute and target.type == 'spark' and var('spark_raw_dir', none) -%}
        {%- do register_raw_parquet(var('spark_raw_dir')) -%}
    {%- endif -%}
{% endmacro %}

{% macro spark_run_end(results) %}
    {%- set export = var('spark_export', none) -%}
    {%- if execute and target.type == 'spark' and export -%}
        {%- for res in results
            if res.node.resource_type in ('model', 'seed') and res.status == 'success'
            and (res.node.schema in export['schemas']
                 or (res.node.schema ~ '.' ~ res.node.name) in export.get('extra', [])) -%}
            {%- do export_parquet([res.node.schema ~ '.' ~ res.node.alias],
                export['dir'] ~ '/' ~ res.node.schema) -%}
        {%- endfor -%}
    {%- endif -%}
{% endmacro %}
