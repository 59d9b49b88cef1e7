{#- The two-state walk of int_drawdown_episodes over the closes of `prices` (columns n, a
    bigint row number in date order, and close_level): one row, `final_state`, a struct of the
    walk's last state (state, pk, pk_n, tr, tr_n) and its closed episodes (peak_n, trough_n,
    over_n). DuckDB: list_reduce over an ordered list; Spark: aggregate() over the sorted
    collected structs, the same fold. -#}
{% macro drawdown_walk(prices) -%}
    {{ return(adapter.dispatch('drawdown_walk', 'bondhedge')(prices)) }}
{%- endmacro %}

{% macro default__drawdown_walk(prices) -%}
    select
        list_reduce(  -- noqa: PRS
            list(struct_pack(n := n, x := close_level) order by n),
            lambda acc, p: case
                when acc.state = 'rising' and p.x >= acc.pk
                    then struct_pack(
                        state := 'rising', pk := p.x, pk_n := p.n, tr := acc.tr,
                        tr_n := acc.tr_n, episodes := acc.episodes
                    )
                when acc.state = 'rising' and p.x / acc.pk - 1 <= {{ var('drawdown_episode_threshold') }}
                    then struct_pack(
                        state := 'falling', pk := acc.pk, pk_n := acc.pk_n, tr := p.x,
                        tr_n := p.n, episodes := acc.episodes
                    )
                when acc.state = 'rising' then acc
                when p.x < acc.tr
                    then struct_pack(
                        state := 'falling', pk := acc.pk, pk_n := acc.pk_n, tr := p.x,
                        tr_n := p.n, episodes := acc.episodes
                    )
                when p.x >= acc.pk or p.x >= (1 + {{ var('drawdown_episode_rebound') }}) * acc.tr
                    then struct_pack(
                        state := 'rising', pk := p.x, pk_n := p.n, tr := acc.tr,
                        tr_n := acc.tr_n,
                        episodes := list_append(
                            acc.episodes,
                            struct_pack(peak_n := acc.pk_n, trough_n := acc.tr_n, over_n := p.n)
                        )
                    )
                else acc
            end,
            struct_pack(
                state := 'rising', pk := 0.0::double, pk_n := 0::bigint, tr := 0.0::double,
                tr_n := 0::bigint,
                episodes := []::struct(peak_n bigint, trough_n bigint, over_n bigint)[]
            )
        ) as final_state
    from {{ prices }}
{%- endmacro %}

{% macro spark__drawdown_walk(prices) -%}
    {%- set episode_type = 'array<struct<peak_n: bigint, trough_n: bigint, over_n: bigint>>' -%}
    select
        aggregate(
            array_sort(collect_list(named_struct('n', cast(n as bigint), 'x', close_level))),
            {{ spark_walk_state("'rising'", 'cast(0.0 as double)', 'cast(0 as bigint)', 'cast(0.0 as double)',
                     'cast(0 as bigint)', 'cast(array() as ' ~ episode_type ~ ')') }},
            (acc, p) -> case
                when acc.state = 'rising' and p.x >= acc.pk
                    then {{ spark_walk_state("'rising'", 'p.x', 'p.n', 'acc.tr', 'acc.tr_n', 'acc.episodes') }}
                when acc.state = 'rising' and p.x / acc.pk - 1 <= {{ var('drawdown_episode_threshold') }}
                    then {{ spark_walk_state("'falling'", 'acc.pk', 'acc.pk_n', 'p.x', 'p.n', 'acc.episodes') }}
                when acc.state = 'rising' then acc
                when p.x < acc.tr
                    then {{ spark_walk_state("'falling'", 'acc.pk', 'acc.pk_n', 'p.x', 'p.n', 'acc.episodes') }}
                when p.x >= acc.pk or p.x >= (1 + {{ var('drawdown_episode_rebound') }}) * acc.tr
                    then {{ spark_walk_state("'rising'", 'p.x', 'p.n', 'acc.tr', 'acc.tr_n',
                        "concat(acc.episodes, array(named_struct('peak_n', acc.pk_n, 'trough_n', acc.tr_n, 'over_n', p.n)))") }}
                else acc
            end
        ) as final_state
    from {{ prices }}
{%- endmacro %}

{#- The closed episodes of the walk's `final_state` (one row each: peak_n, trough_n, over_n),
    plus the one still falling at the end of the data (over_n null). -#}
{% macro drawdown_walk_episodes(walk) -%}
    {{ return(adapter.dispatch('drawdown_walk_episodes', 'bondhedge')(walk)) }}
{%- endmacro %}

{% macro default__drawdown_walk_episodes(walk) -%}
    select unnest(final_state.episodes, recursive := true)
    from {{ walk }}
    union all
    select
        final_state.pk_n as peak_n,
        final_state.tr_n as trough_n,
        null::bigint as over_n
    from {{ walk }}
    where final_state.state = 'falling'
{%- endmacro %}

{% macro spark__drawdown_walk_episodes(walk) -%}
    select inline(final_state.episodes)
    from {{ walk }}
    union all
    select
        final_state.pk_n as peak_n,
        final_state.tr_n as trough_n,
        cast(null as bigint) as over_n
    from {{ walk }}
    where final_state.state = 'falling'
{%- endmacro %}

{#- One state of the Spark walk, as a struct. -#}
{% macro spark_walk_state(st, pk, pk_n, tr, tr_n, episodes) -%}
    named_struct(
        'state', {{ st }}, 'pk', {{ pk }}, 'pk_n', {{ pk_n }}, 'tr', {{ tr }},
        'tr_n', {{ tr_n }}, 'episodes', {{ episodes }}
    )
{%- endmacro %}
