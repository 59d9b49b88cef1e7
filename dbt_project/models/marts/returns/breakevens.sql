-- Breakeven inflation at 5 and 10 years, one row per business day and tenor (decimals):
-- computed from the nominal Treasury and TIPS real yields (nominal - real) next to the
-- breakeven FRED publishes (T5YIE / T10YIE), and the 5y5y forward breakeven
-- (10 BE10 - 5 BE5) / 5 from the computed breakevens. Each series is used up to its last
-- actual print (the bounded forward fill bridges holidays only). Methods:
-- docs/marts_returns.md.
{{ config(materialized='table') }}

{%- set tenors = [(5, 'DGS5', 'DFII5', 'T5YIE'), (10, 'DGS10', 'DFII10', 'T10YIE')] %}

with observations as (
    select
        series_id,
        calendar_date,
        value,
        is_filled,
        -- a case, not `filter (where ...)`: Spark has no filter clause on window aggregates
        max(case when not is_filled then calendar_date end) over (partition by series_id)
            as last_print_date
    from {{ ref('int_observations_daily') }}
    where series_id in (
        {%- for tenor, nominal, real, published in tenors %}
            '{{ nominal }}', '{{ real }}', '{{ published }}'{{ ',' if not loop.last }}
        {%- endfor %}
    )
),

current_observations as (
    select *
    from observations
    where calendar_date <= last_print_date
),

by_tenor as (
    {%- for tenor, nominal, real, published in tenors %}
        select
            calendar_date,
            {{ tenor }} as tenor_years,
            max(value) filter (where series_id = '{{ nominal }}') as nominal_yield,
            max(value) filter (where series_id = '{{ real }}') as real_yield,
            max(value) filter (where series_id = '{{ published }}') as breakeven_published,
            coalesce(bool_or(is_filled), false) as has_carried_input
        from current_observations
        where series_id in ('{{ nominal }}', '{{ real }}', '{{ published }}')
        group by calendar_date
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

computed as (
    select
        *,
        -- rounded to 1e-8 to drop floating-point noise (inputs have 4 decimals)
        round(nominal_yield - real_yield, 8) as breakeven_computed
    from by_tenor
),

forward as (
    select
        calendar_date,
        (
            10.0 * max(breakeven_computed) filter (where tenor_years = 10)
            - 5.0 * max(breakeven_computed) filter (where tenor_years = 5)
        ) / 5.0 as forward_5y5y_breakeven
    from computed
    group by calendar_date
)

select
    computed.calendar_date::date as date,  -- noqa: RF04
    computed.tenor_years::integer as tenor_years,
    computed.nominal_yield::double as nominal_yield,
    computed.real_yield::double as real_yield,
    computed.breakeven_computed::double as breakeven_computed,
    computed.breakeven_published::double as breakeven_published,
    round(computed.breakeven_computed - computed.breakeven_published, 8)::double as difference,
    round(forward.forward_5y5y_breakeven, 8)::double as forward_5y5y_breakeven,
    computed.has_carried_input::boolean as has_carried_input,
    {{ data_source() }}
from computed
inner join forward on computed.calendar_date = forward.calendar_date
