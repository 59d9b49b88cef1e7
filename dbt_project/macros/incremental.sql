{#- Incremental refresh for the date-indexed models that dominate a build.

    A model materialized with `incremental_strategy='replace_from'` recomputes every row on or
    after a cutoff date and replaces exactly those rows: in one transaction the target loses
    all rows with `replace_from_column >= cutoff` and gains the freshly computed ones. Rows
    that should no longer exist in the window therefore disappear too, which a key-by-key
    delete+insert or merge would miss. The cutoff is a SQL expression named by the model's
    `replace_from_macro` config; the model filters its output with the same expression, and
    the strategy evaluates it again inside the transaction (the target is unchanged in
    between: one writer at a time). The models' `unique_key` states their grain for readers;
    the strategy does not need it, and their unique_combination tests check it.

    Cutoffs are derived from what changed, not from the wall clock:
    * `observations_refresh_from`: the earliest observation landed or revised since the last
      build (raw `loaded_at` is only bumped when a value changes), and at least the trailing
      `incremental_lookback_days` so that new calendar days extend forward fills;
    * `returns_refresh_from`: the earliest day int_observations_daily rewrote since this
      model's last build (`built_at`), and the same trailing window.
    Changing a seed (catalog), a var or a model's SQL needs `dbt build --full-refresh`, the
    usual dbt contract for incremental models. -#}

{% macro get_incremental_replace_from_sql(arg_dict) -%}
    {%- set column = config.require('replace_from_column') -%}
    {%- set cutoff = context[config.require('replace_from_macro')]() -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }}
    where {{ column }} >= {{ cutoff }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- The moment this dbt invocation started, as a DuckDB timestamp (UTC). -#}
{% macro build_timestamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- The earliest `date_column` day to recompute: the trailing look-back from the newest day
    built, or the earliest `changed_date` of `changed` rows whose `marker` is newer than any
    this model has consumed, whichever is earlier. An empty model starts from the beginning. -#}
{% macro refresh_from(date_column, changed, changed_date, marker) -%}
    (
        select
            coalesce(
                least(
                    (select max({{ date_column }}) from {{ this }})
                    - {{ var('incremental_lookback_days') }},
                    (
                        select min({{ changed_date }})
                        from {{ changed }}
                        where {{ marker }} > (select max({{ marker }}) from {{ this }})
                    )
                ),
                date '0001-01-01'
            )
    )
{%- endmacro %}

{% macro observations_refresh_from() -%}
    {{ refresh_from('calendar_date', source('raw', 'observations'), 'observation_date', 'loaded_at') }}
{%- endmacro %}

{% macro returns_refresh_from() -%}
    {{ refresh_from('as_of_date', ref('int_observations_daily'), 'calendar_date', 'built_at') }}
{%- endmacro %}

{#- The marts that publish an incremental intermediate model (rolling_correlations,
    observations_daily) copy only what it rewrote: the days of rows built after the mart's
    newest row (the intermediate model's `built_at` is copied with them), and the same
    trailing window. -#}
{% macro rolling_correlations_copy_from() -%}
    {{ refresh_from('as_of_date', ref('int_rolling_correlations'), 'as_of_date', 'built_at') }}
{%- endmacro %}

{% macro observations_copy_from() -%}
    {{ refresh_from('calendar_date', ref('int_observations_daily'), 'calendar_date', 'built_at') }}
{%- endmacro %}

{#- Whole-table replacement for the dbt Python models that reuse their own last build
    (int_hedge_bootstrap, int_markov_regimes). They are incremental only so that
    `dbt.is_incremental` tells them whether the last build's rows may be reused (false on the
    first build and on --full-refresh); each build returns the complete table, and this
    strategy makes it the table's whole content in one transaction, as a table
    materialization would (rows the model no longer returns disappear). -#}
{% macro get_incremental_replace_all_sql(arg_dict) -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ arg_dict['target_relation'] }};
    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}
