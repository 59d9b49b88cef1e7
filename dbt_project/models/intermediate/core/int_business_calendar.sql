-- The business-day calendar every daily model aligns to: weekdays on which at least one
-- Treasury or equity market series printed a value, from the first such day to the last.
-- A day both markets closed (e.g. 25 December) is not a business day; a day only one market
-- closed (Good Friday, Columbus Day) is, and the closed market's value is carried forward
-- (see int_observations_daily).
with market_days as (
    select distinct observation_date as calendar_date
    from {{ ref('stg_observations') }}
    where
        category in ('treasury_yield', 'equity_index')
        and frequency = 'daily'
        and {{ isodow('observation_date') }} <= 5
),

numbered as (
    select
        calendar_date,
        row_number() over (order by calendar_date) as business_day_index
    from market_days
)

select
    calendar_date,
    business_day_index,
    year(calendar_date) as calendar_year,
    month(calendar_date) as calendar_month,
    {{ month_start('calendar_date') }} as month_start,
    {{ week_start('calendar_date') }} as week_start,
    lead(calendar_date) over (order by calendar_date) is null
    or date_trunc('month', lead(calendar_date) over (order by calendar_date))
    <> date_trunc('month', calendar_date) as is_month_end,
    lead(calendar_date) over (order by calendar_date) is null
    or date_trunc('week', lead(calendar_date) over (order by calendar_date))
    <> date_trunc('week', calendar_date) as is_week_end,
    lead(calendar_date) over (order by calendar_date) is null as is_last_day
from numbered
