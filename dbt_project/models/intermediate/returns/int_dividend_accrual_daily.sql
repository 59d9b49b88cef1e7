-- The dividend an equity asset accrues on each business day (assets with a
-- `dividend_series_id` in asset_catalog: sp500 <- FRED-MD's `S&P div yield`).
--   * FRED-MD's yield for month m is Shiller's trailing 12-month dividend over the month's
--     average close, so yield(m) x the month's average close of the asset's own price series
--     = the annual dividend in index points, D(m).
--   * No look-ahead: month m's yield is known once month m is over, so the business days of
--     month t use D(t - `dividend_yield_lag_months`) (default 1). When that month is missing
--     (FRED-MD's latest month is often empty, a csv file lags the prices), the latest earlier
--     D is carried for at most `dividend_max_carry_months` more months (dividends in points
--     move slowly) and `dividend_carried_months` says by how many; beyond that, no row.
--   * Each business day of month t accrues D / 12 / dividend_business_days, where
--     dividend_business_days is the calendar's business days in month t (for the calendar's
--     last, still running month: its weekdays, so a partial month never accrues a full
--     month's dividend in fewer days). int_asset_returns_daily divides by the previous close.
with catalog as (
    select
        asset_id,
        price_series_id,
        dividend_series_id
    from {{ ref('stg_asset_catalog') }}
    where dividend_series_id is not null
),

calendar as (
    select
        calendar_date,
        month_start
    from {{ ref('int_business_calendar') }}
),

last_month as (
    select max(month_start) as month_start
    from calendar
),

month_days as (
    select
        calendar.month_start,
        case
            when calendar.month_start = last_month.month_start
                then {{ weekdays_in_month('calendar.month_start') }}
            else count(*)
        end as dividend_business_days
    from calendar
    cross join last_month
    group by calendar.month_start, last_month.month_start
),

yields as (
    select
        series_id,
        observation_date as yield_month,
        value as dividend_yield
    from {{ ref('stg_observations') }}
    where series_id in (select catalog.dividend_series_id from catalog)
),

-- average close of the price series in each month (actual prints only: the P of D/P)
average_levels as (
    select
        series_id,
        date_trunc('month', calendar_date)::date as level_month,
        avg(value) as average_level
    from {{ ref('int_observations_daily') }}
    where
        series_id in (select catalog.price_series_id from catalog)
        and not is_filled
    group by series_id, date_trunc('month', calendar_date)
),

dividend_points as (
    select
        catalog.asset_id,
        yields.yield_month,
        yields.dividend_yield,
        yields.dividend_yield * average_levels.average_level as annual_dividend_points
    from catalog
    inner join yields on catalog.dividend_series_id = yields.series_id
    inner join average_levels
        on
            catalog.price_series_id = average_levels.series_id
            and yields.yield_month = average_levels.level_month
),

-- for each asset and month t: the latest known D at or before t - lag, within the carry bound
month_dividend as (
    select
        dividend_points.asset_id,
        month_days.month_start,
        month_days.dividend_business_days,
        max(dividend_points.yield_month) as yield_month,
        {{ arg_max('dividend_points.dividend_yield', 'dividend_points.yield_month') }} as dividend_yield,
        {{ arg_max('dividend_points.annual_dividend_points', 'dividend_points.yield_month') }}
            as annual_dividend_points
    from month_days
    inner join dividend_points
        on
            dividend_points.yield_month
            <= {{ minus_months('month_days.month_start', var('dividend_yield_lag_months')) }}
            and dividend_points.yield_month
            >= {{ minus_months(
                'month_days.month_start',
                var('dividend_yield_lag_months') ~ ' + ' ~ var('dividend_max_carry_months')
            ) }}
    group by dividend_points.asset_id, month_days.month_start, month_days.dividend_business_days
)

select
    month_dividend.asset_id,
    calendar.calendar_date,
    month_dividend.yield_month,
    month_dividend.dividend_yield,
    month_dividend.annual_dividend_points,
    month_dividend.dividend_business_days,
    {{ months_between_starts('month_dividend.yield_month', 'month_dividend.month_start') }}
    - {{ var('dividend_yield_lag_months') }} as dividend_carried_months
from month_dividend
inner join calendar on month_dividend.month_start = calendar.month_start
