-- For every business day and return frequency: which day's regime describes the period that
-- ends (or is under way) on that day. A period is classified by the regime *at its start*:
-- the regime at the close of the business day before the period's first business day, i.e.
-- what was known when the period opened. Daily: the previous business day; weekly: the day
-- before the ISO week's first business day; monthly: the day before the month's first
-- business day. Depends only on the calendar, so any return model keyed by (frequency,
-- period_end) can join it.
with calendar as (
    select
        calendar_date,
        week_start,
        month_start,
        lag(calendar_date) over (order by calendar_date) as previous_business_day
    from {{ ref('int_business_calendar') }}
),

first_days as (
    select
        *,
        first_value(previous_business_day) over (
            partition by week_start order by calendar_date
        ) as before_week,
        first_value(previous_business_day) over (
            partition by month_start order by calendar_date
        ) as before_month
    from calendar
)

select
    frequencies.frequency,
    first_days.calendar_date as period_end,
    case frequencies.frequency
        when 'daily' then first_days.previous_business_day
        when 'weekly' then first_days.before_week
        when 'monthly' then first_days.before_month
    end as regime_as_of_date
from first_days
cross join (values ('daily'), ('weekly'), ('monthly')) as frequencies (frequency)
