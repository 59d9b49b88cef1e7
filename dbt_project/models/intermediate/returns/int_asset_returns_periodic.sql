-- Weekly (ISO week), monthly and yearly returns compounded from the daily ones:
-- product(1 + r) - 1 over the period's business days, for total and price returns alike.
-- A period is kept when at least one daily return falls in it. Its return is NULL when a
-- daily return is missing between the first and the last one present (a gap inside the
-- period: compounding around it would silently drop a move). A period the asset covers only
-- partly (its first or last period, or a period the business calendar does not yet cover to
-- its end) keeps the compounded return of the days it has, with `n_days` and
-- `is_complete_period = false`; analyses of comparable periods filter on the flag.
-- Excess return over cash (docs `excess_return`): the period's total return minus the
-- 3-month bill's return compounded over exactly the same business days (int_cash_returns_daily);
-- NULL when the bill lacks a return on any of those days.
with calendar as (
    select
        calendar_date,
        business_day_index,
        week_start,
        month_start,
        make_date(calendar_year, 1, 1) as year_start
    from {{ ref('int_business_calendar') }}
),

calendar_end as (
    select max(calendar_date) as last_calendar_date
    from calendar
),

daily as (
    select
        daily_returns.asset_id,
        daily_returns.calendar_date,
        daily_returns.business_day_index,
        daily_returns.base_date,
        daily_returns.total_return,
        daily_returns.price_return,
        daily_returns.return_basis,
        case when daily_returns.total_return is not null then cash.cash_return end as cash_return,
        calendar.week_start,
        calendar.month_start,
        calendar.year_start
    from {{ ref('int_asset_returns_daily') }} as daily_returns
    inner join calendar on daily_returns.calendar_date = calendar.calendar_date
    left join {{ ref('int_cash_returns_daily') }} as cash
        on daily_returns.calendar_date = cash.calendar_date
),

keyed as (
    select
        'weekly' as frequency,
        week_start as period_key,
        *
    from daily
    {{ union_all_by_name() }}
    select
        'monthly' as frequency,
        month_start as period_key,
        *
    from daily
    {{ union_all_by_name() }}
    select
        'yearly' as frequency,
        year_start as period_key,
        *
    from daily
),

-- business days the calendar has in each period, and the period's last weekday
calendar_periods as (
    select
        'weekly' as frequency,
        week_start as period_key,
        count(*) as n_business_days,
        week_start + 4 as last_weekday
    from calendar
    group by week_start
    union all
    select
        'monthly' as frequency,
        month_start as period_key,
        count(*) as n_business_days,
        last_day(month_start)
        - (case {{ isodow('last_day(month_start)') }} when 6 then 1 when 7 then 2 else 0 end)::int
            as last_weekday
    from calendar
    group by month_start
    union all
    select
        'yearly' as frequency,
        year_start as period_key,
        count(*) as n_business_days,
        make_date(year(year_start), 12, 31)
        - (
            case {{ isodow('make_date(year(year_start), 12, 31)') }} when 6 then 1 when 7 then 2 else 0 end
        )::int as last_weekday
    from calendar
    group by year_start
),

aggregated as (
    select
        asset_id,
        frequency,
        period_key,
        min(calendar_date) filter (where total_return is not null) as period_start,
        max(calendar_date) filter (where total_return is not null) as period_end,
        {{ arg_min('base_date', 'calendar_date') }} filter (where total_return is not null) as base_date,
        count(total_return) as n_days,
        max(business_day_index) filter (where total_return is not null)
        - min(business_day_index) filter (where total_return is not null)
        + 1 as n_days_spanned,
        {{ product('1.0 + total_return') }} - 1.0 as compounded_total_return,
        {{ product('1.0 + price_return') }} - 1.0 as compounded_price_return,
        count(price_return) as n_price_days,
        -- a period is `total` only if every day in it is (an equity day without a known
        -- dividend is `price_only`)
        case
            when bool_and(return_basis = 'total') filter (where total_return is not null)
                then 'total'
            else 'price_only'
        end as return_basis,
        {{ product('1.0 + cash_return') }} - 1.0 as compounded_cash_return,
        count(cash_return) as n_cash_days
    from keyed
    group by asset_id, frequency, period_key
)

select
    aggregated.asset_id,
    aggregated.frequency,
    aggregated.period_key,
    aggregated.period_start,
    aggregated.period_end,
    aggregated.base_date,
    case
        when aggregated.n_days = aggregated.n_days_spanned then aggregated.compounded_total_return
    end as total_return,
    case
        when aggregated.n_price_days = aggregated.n_days_spanned
            then aggregated.compounded_price_return
    end as price_return,
    aggregated.return_basis,
    case
        when aggregated.n_days = aggregated.n_days_spanned and aggregated.n_cash_days = aggregated.n_days
            then aggregated.compounded_cash_return
    end as cash_return,
    case
        when aggregated.n_days = aggregated.n_days_spanned and aggregated.n_cash_days = aggregated.n_days
            then aggregated.compounded_total_return - aggregated.compounded_cash_return
    end as excess_return,
    aggregated.n_days,
    calendar_periods.n_business_days,
    aggregated.n_days = aggregated.n_days_spanned
    and aggregated.n_days = calendar_periods.n_business_days
    and calendar_end.last_calendar_date >= calendar_periods.last_weekday as is_complete_period
from aggregated
inner join calendar_periods
    on
        aggregated.frequency = calendar_periods.frequency
        and aggregated.period_key = calendar_periods.period_key
cross join calendar_end
where aggregated.n_days > 0
