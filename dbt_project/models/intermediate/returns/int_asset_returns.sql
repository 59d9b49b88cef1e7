-- Returns of every catalog asset (the asset_returns mart, and what every mart and model that
-- needs returns reads): at daily, weekly (ISO week) and monthly frequency, in
-- decimals (0.01 = 1 %). A row's return runs from the close of `base_date` (the business day
-- before `period_start`) to the close of `period_end`. Methods: docs/marts_returns.md.
-- excess_return = total_return - the 3-month bill's return over the same days
-- (int_cash_returns_daily; compounded over the period in int_asset_returns_periodic).
with daily as (
    select
        daily_returns.asset_id,
        'daily' as frequency,
        daily_returns.calendar_date as period_start,
        daily_returns.calendar_date as period_end,
        daily_returns.base_date,
        daily_returns.total_return,
        daily_returns.price_return,
        daily_returns.total_return - cash.cash_return as excess_return,
        daily_returns.return_basis,
        (daily_returns.total_return is not null)::int as n_days,
        daily_returns.total_return is not null as is_complete_period
    from {{ ref('int_asset_returns_daily') }} as daily_returns
    left join {{ ref('int_cash_returns_daily') }} as cash
        on daily_returns.calendar_date = cash.calendar_date
),

periodic as (
    select
        periodic.asset_id,
        periodic.frequency,
        periodic.period_start,
        periodic.period_end,
        periodic.base_date,
        periodic.total_return,
        periodic.price_return,
        periodic.excess_return,
        periodic.return_basis,
        periodic.n_days,
        periodic.is_complete_period
    from {{ ref('int_asset_returns_periodic') }} as periodic
    where periodic.frequency in ('weekly', 'monthly')
),

unioned as (
    select * from daily
    union all
    select * from periodic
)

select
    {{ cast('unioned.asset_id', 'varchar') }} as asset_id,
    {{ cast('unioned.frequency', 'varchar') }} as frequency,
    unioned.period_start::date as period_start,
    unioned.period_end::date as period_end,
    unioned.base_date::date as base_date,
    unioned.total_return::double as total_return,
    unioned.price_return::double as price_return,
    unioned.excess_return::double as excess_return,
    {{ cast('unioned.return_basis', 'varchar') }} as return_basis,
    unioned.n_days::integer as n_days,
    unioned.is_complete_period::boolean as is_complete_period
from unioned
