{#- Portable SQL: every construct that differs between DuckDB (the default target) and Apache
    Spark (the `spark` target) is one macro here, dispatched on the adapter. The DuckDB
    implementation is the `default__` one and renders the SQL the models had before, so DuckDB
    output does not change; `spark__` renders Spark SQL with the same results. Models call
    these instead of writing engine-specific SQL (other constructs use dbt's cross-database
    macros: dbt.type_string, dbt.date_trunc, ...). Spark traps these macros avoid: `int /
    365.25` is a 6-decimal number (cast to double first), a date difference is an interval in
    microseconds (use datediff), `^` is XOR, `//` does not parse, there is no isodow, and
    `varchar` needs a length (use string). -#}

{#- ISO day of week, Monday = 1 ... Sunday = 7. -#}
{% macro isodow(date_expr) -%}
    {{ return(adapter.dispatch('isodow', 'bondhedge')(date_expr)) }}
{%- endmacro %}

{% macro default__isodow(date_expr) -%}
    isodow({{ date_expr }})
{%- endmacro %}

{% macro spark__isodow(date_expr) -%}
    (weekday({{ date_expr }}) + 1)
{%- endmacro %}


{#- The first day of the month of `date_expr`, as a date. -#}
{% macro month_start(date_expr) -%}
    {{ return(adapter.dispatch('month_start', 'bondhedge')(date_expr)) }}
{%- endmacro %}

{% macro default__month_start(date_expr) -%}
    date_trunc('month', {{ date_expr }})::date
{%- endmacro %}

{% macro spark__month_start(date_expr) -%}
    trunc({{ date_expr }}, 'MM')
{%- endmacro %}


{#- The Monday of the ISO week of `date_expr`, as a date. -#}
{% macro week_start(date_expr) -%}
    {{ return(adapter.dispatch('week_start', 'bondhedge')(date_expr)) }}
{%- endmacro %}

{% macro default__week_start(date_expr) -%}
    date_trunc('week', {{ date_expr }})::date
{%- endmacro %}

{% macro spark__week_start(date_expr) -%}
    cast(date_trunc('WEEK', {{ date_expr }}) as date)
{%- endmacro %}


{#- As-of join: every row of the relation `left` with the columns `right_columns` (a mapping
    alias -> column of `right`) of the latest `right` row whose `right_on` is on or before the
    left row's `left_on`, within equal `by` columns (names both relations share).
    join_type 'inner' drops left rows with no such right row, 'left' keeps them with nulls.
    Output columns: left.*, then the aliases in the order given. `left` and `right` are
    relation or CTE names. -#}
{% macro asof_join(left, right, left_on, right_on, right_columns, by=[], join_type='inner') -%}
    {{ return(adapter.dispatch('asof_join', 'bondhedge')(
        left, right, left_on, right_on, right_columns, by, join_type)) }}
{%- endmacro %}

{% macro default__asof_join(left, right, left_on, right_on, right_columns, by, join_type) -%}
    select
        {{ left }}.*,
        {%- for alias, column in right_columns.items() %}
        {{ right }}.{{ column }} as {{ alias }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ left }}
    asof {{ join_type }} join {{ right }}
        on
            {% for key in by -%}
            {{ left }}.{{ key }} = {{ right }}.{{ key }}
            and {% endfor -%}
            {{ left }}.{{ left_on }} >= {{ right }}.{{ right_on }}
{%- endmacro %}

{#- Spark has no as-of join. The distinct left keys and all right rows are stacked, sorted by
    date within `by` (a right row before a left row on the same date: `>=`), and each left key
    takes the last right row so far, as one struct (so a null column of the match is not
    skipped over), with last(..., ignoreNulls). The match is joined back to the left rows. -#}
{% macro spark__asof_join(left, right, left_on, right_on, right_columns, by, join_type) -%}
    {%- set partition = 'partition by ' ~ (by | join(', ')) if by else '' -%}
    select
        {{ left }}.*,
        {%- for alias in right_columns %}
        asof_matches.asof_match.{{ alias }} as {{ alias }}{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ left }}
    {{ join_type }} join (
        select
            {%- for key in by %}
            {{ key }},
            {%- endfor %}
            asof_key,
            asof_match
        from (
            select
                {%- for key in by %}
                {{ key }},
                {%- endfor %}
                asof_key,
                asof_side,
                last(asof_row, true) over (
                    {{ partition }}
                    order by asof_key, asof_side
                    rows between unbounded preceding and current row
                ) as asof_match
            from (
                select distinct
                    {%- for key in by %}
                    {{ key }},
                    {%- endfor %}
                    {{ left_on }} as asof_key,
                    1 as asof_side,
                    null as asof_row
                from {{ left }}
                union all
                select
                    {%- for key in by %}
                    {{ key }},
                    {%- endfor %}
                    {{ right_on }} as asof_key,
                    0 as asof_side,
                    named_struct(
                        {%- for alias, column in right_columns.items() %}
                        '{{ alias }}', {{ column }}{{ ',' if not loop.last }}
                        {%- endfor %}
                    ) as asof_row
                from {{ right }}
                where {{ right_on }} is not null
            ) as asof_stacked
        ) as asof_filled
        where asof_side = 1 {{ 'and asof_match is not null' if join_type == 'inner' }}
    ) as asof_matches
        on
            {% for key in by -%}
            {{ left }}.{{ key }} = asof_matches.{{ key }}
            and {% endfor -%}
            {{ left }}.{{ left_on }} = asof_matches.asof_key
{%- endmacro %}


{#- Incremental models that replace every row from a cutoff date: the materialization config
    and the cutoff per target. DuckDB uses this project's `replace_from` strategy (see
    incremental.sql). Spark tables cannot delete rows, so there the model is partitioned by
    month (`partition_column`, a Spark-only column) and written with `insert_overwrite`
    (dynamic partition overwrite): the cutoff is moved back to the first day of its month, so
    the recomputed rows are whole months and each month at or after the cutoff is replaced
    whole — the same rows as replace_from, recomputed at month granularity. -#}
{% macro replace_from_config(column, cutoff_macro, unique_key) -%}
    {%- if target.type == 'spark' -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'insert_overwrite',
            'partition_by': ['replace_from_month'],
            'file_format': 'parquet',
            'unique_key': unique_key,
            'on_schema_change': 'append_new_columns',
        }) }}
    {%- else -%}
        {{ return({
            'materialized': 'incremental',
            'incremental_strategy': 'replace_from',
            'replace_from_column': column,
            'replace_from_macro': cutoff_macro,
            'unique_key': unique_key,
            'on_schema_change': 'append_new_columns',
        }) }}
    {%- endif -%}
{%- endmacro %}

{#- The cutoff to filter the recomputed rows with (see replace_from_config). -#}
{% macro replace_from_cutoff(cutoff_sql) -%}
    {{ return(adapter.dispatch('replace_from_cutoff', 'bondhedge')(cutoff_sql)) }}
{%- endmacro %}

{% macro default__replace_from_cutoff(cutoff_sql) -%}
    {{ cutoff_sql }}
{%- endmacro %}

{% macro spark__replace_from_cutoff(cutoff_sql) -%}
    trunc({{ cutoff_sql }}, 'MM')
{%- endmacro %}

{#- The extra select-list item the Spark partitioning needs (nothing on DuckDB). -#}
{% macro replace_from_partition_column(column) -%}
    {{ return(adapter.dispatch('replace_from_partition_column', 'bondhedge')(column)) }}
{%- endmacro %}

{% macro default__replace_from_partition_column(column) -%}
{%- endmacro %}

{% macro spark__replace_from_partition_column(column) -%}
    , trunc({{ column }}, 'MM') as replace_from_month
{%- endmacro %}


{#- Seeds on Spark. dbt-spark's session cursor pastes bound values into the SQL text without
    escaping, so "Moody's" ends the string literal, and an empty CSV cell becomes the string
    'None'. Here every value is rendered as an escaped Spark literal instead (null for empty
    cells), and `varchar` column types (DuckDB terms, written once in the seed and contract
    configs) become Spark's `string`. -#}
{% macro spark_type(type) -%}
    {{ return('string' if type | trim | lower == 'varchar' else type) }}
{%- endmacro %}

{#- Casts from configs written in DuckDB terms (contract data types: `varchar`). -#}
{% macro spark__cast(field, type) -%}
    cast({{ field }} as {{ spark_type(type) }})
{%- endmacro %}

{% macro spark_seed_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is number -%}
        {{ value }}
    {%- else -%}
        '{{ (value | string).replace("\\", "\\\\").replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set sql -%}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for col_name in agate_table.column_names -%}
                    {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                    {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
                    cast({{ spark_seed_literal(row[loop.index0]) }} as {{ type }})
                    {%- if not loop.last %}, {% endif -%}
                {%- endfor -%})
                {%- if not loop.last %},{% endif %}
            {% endfor %}
        {%- endset -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.index0 == 0 -%}{%- do statements.append(sql) -%}{%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}

{% macro spark__create_csv_table(model, agate_table) %}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set sql -%}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = spark_type(column_override.get(col_name, inferred_type)) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}
                {%- if not loop.last %}, {% endif -%}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}{{ sql }}{%- endcall -%}
    {{ return(sql) }}
{% endmacro %}


{#- Contract constraints on Spark: dbt-spark assumes Delta tables when no file_format is set
    and issues ALTER ... SET NOT NULL, which Parquet tables (the default here) refuse. Only a
    Delta table gets them; on Parquet the contract still checks column names and types, and
    the column rules are left to dbt tests (a later step of issue 13 generates them). -#}
{% macro spark__persist_constraints(relation, model) %}
    {%- set contract_config = config.get('contract') -%}
    {%- if contract_config.enforced and config.get('file_format', 'parquet') == 'delta' -%}
        {%- do alter_table_add_constraints(relation, model.constraints) -%}
        {%- do alter_column_set_constraints(relation, model.columns) -%}
    {%- endif -%}
{% endmacro %}


{#- The value of `value_expr` on the row with the largest (smallest) `key_expr`: DuckDB's
    arg_max / arg_min, Spark's max_by / min_by. A `filter (where ...)` may follow on both. -#}
{% macro arg_max(value_expr, key_expr) -%}
    {{ return(adapter.dispatch('arg_max', 'bondhedge')(value_expr, key_expr)) }}
{%- endmacro %}

{% macro default__arg_max(value_expr, key_expr) -%}
    arg_max({{ value_expr }}, {{ key_expr }})
{%- endmacro %}

{% macro spark__arg_max(value_expr, key_expr) -%}
    max_by({{ value_expr }}, {{ key_expr }})
{%- endmacro %}

{% macro arg_min(value_expr, key_expr) -%}
    {{ return(adapter.dispatch('arg_min', 'bondhedge')(value_expr, key_expr)) }}
{%- endmacro %}

{% macro default__arg_min(value_expr, key_expr) -%}
    arg_min({{ value_expr }}, {{ key_expr }})
{%- endmacro %}

{% macro spark__arg_min(value_expr, key_expr) -%}
    min_by({{ value_expr }}, {{ key_expr }})
{%- endmacro %}


{#- `date_expr` moved back by `months_expr` whole months (a date). -#}
{% macro minus_months(date_expr, months_expr) -%}
    {{ return(adapter.dispatch('minus_months', 'bondhedge')(date_expr, months_expr)) }}
{%- endmacro %}

{% macro default__minus_months(date_expr, months_expr) -%}
    {{ date_expr }} - to_months({{ months_expr }})
{%- endmacro %}

{% macro spark__minus_months(date_expr, months_expr) -%}
    add_months({{ date_expr }}, -({{ months_expr }}))
{%- endmacro %}


{#- Whole months from the month start `start_month` to the month start `end_month` (int). -#}
{% macro months_between_starts(start_month, end_month) -%}
    {{ return(adapter.dispatch('months_between_starts', 'bondhedge')(start_month, end_month)) }}
{%- endmacro %}

{% macro default__months_between_starts(start_month, end_month) -%}
    date_diff('month', {{ start_month }}, {{ end_month }})
{%- endmacro %}

{% macro spark__months_between_starts(start_month, end_month) -%}
    cast(months_between({{ end_month }}, {{ start_month }}) as int)
{%- endmacro %}


{#- The number of weekdays (Monday-Friday) in the month starting on `month_start`. -#}
{% macro weekdays_in_month(month_start) -%}
    {{ return(adapter.dispatch('weekdays_in_month', 'bondhedge')(month_start)) }}
{%- endmacro %}

{% macro default__weekdays_in_month(month_start) -%}
    (
                    select count(*)
                    from
                        range(
                            {{ month_start }},
                            {{ month_start }} + interval 1 month,
                            interval 1 day
                        ) as month_weekdays (day_start)
                    where isodow(month_weekdays.day_start) <= 5
                )
{%- endmacro %}

{% macro spark__weekdays_in_month(month_start) -%}
    size(filter(
        sequence({{ month_start }}, date_add(add_months({{ month_start }}, 1), -1)),
        day_start -> weekday(day_start) < 5
    ))
{%- endmacro %}


{#- `union all by name` between selects. On Spark (no `by name`) a plain `union all`: every
    select joined with it must list the same columns in the same order. -#}
{% macro union_all_by_name() -%}
    {{ return(adapter.dispatch('union_all_by_name', 'bondhedge')()) }}
{%- endmacro %}

{% macro default__union_all_by_name() -%}
    union all by name
{%- endmacro %}

{% macro spark__union_all_by_name() -%}
    union all
{%- endmacro %}


{#- `expr` as a double where Spark would otherwise make an int / decimal literal a 6-decimal
    number (DuckDB already divides in double: rendered unchanged there). -#}
{% macro to_double(expr) -%}
    {{ return(adapter.dispatch('to_double', 'bondhedge')(expr)) }}
{%- endmacro %}

{% macro default__to_double(expr) -%}
    {{ expr }}
{%- endmacro %}

{% macro spark__to_double(expr) -%}
    cast({{ expr }} as double)
{%- endmacro %}


{#- One row per `key` and month from its first to its last `month_column` in `relation`. -#}
{% macro month_spine(relation, key, month_column) -%}
    {{ return(adapter.dispatch('month_spine', 'bondhedge')(relation, key, month_column)) }}
{%- endmacro %}

{% macro default__month_spine(relation, key, month_column) -%}
    select
        {{ key }},
        unnest(
            generate_series(min({{ month_column }}), max({{ month_column }}), interval 1 month)
        )::date as {{ month_column }}
    from {{ relation }}
    group by {{ key }}
{%- endmacro %}

{% macro spark__month_spine(relation, key, month_column) -%}
    select
        {{ key }},
        explode(sequence(first_month, last_month, interval 1 month)) as {{ month_column }}
    from (
        select
            {{ key }},
            min({{ month_column }}) as first_month,
            max({{ month_column }}) as last_month
        from {{ relation }}
        group by {{ key }}
    ) as month_spans
{%- endmacro %}


{#- The product of the non-null values of `expr` in the group (null when there are none).
    Spark SQL has no product aggregate: the collected values are multiplied in order. -#}
{% macro product(expr) -%}
    {{ return(adapter.dispatch('product', 'bondhedge')(expr)) }}
{%- endmacro %}

{% macro default__product(expr) -%}
    product({{ expr }})
{%- endmacro %}

{% macro spark__product(expr) -%}
    (case when count({{ expr }}) > 0 then aggregate(
        collect_list(cast({{ expr }} as double)), cast(1.0 as double), (acc, x) -> acc * x
    ) end)
{%- endmacro %}

{# The number of elements of a list (DuckDB) / array (Spark) column. #}
{% macro list_length(list_expr) -%}
    {{ return(adapter.dispatch('list_length', 'bondhedge')(list_expr)) }}
{%- endmacro %}

{% macro default__list_length(list_expr) -%}
    len({{ list_expr }})
{%- endmacro %}

{% macro spark__list_length(list_expr) -%}
    size({{ list_expr }})
{%- endmacro %}
