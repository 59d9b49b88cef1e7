-- The cash return every excess return is measured against: the total return of holding the
-- 3-month Treasury bill for one business day (close of `base_date` to close of
-- `calendar_date`), one row per business day. The one place that says which bill is "cash":
--   * `DGS3MO` (the `cash_asset_id` asset, ust_3m): the 3-month constant-maturity bill priced
--     by the same exact par-bond arithmetic as every Treasury (int_asset_returns_daily);
--   * before DGS3MO starts (1981-09-01) or on a day its return is missing, the
--     `cash_fallback_series_id` (DTB3, secondary-market 3-month bill, discount basis, from
--     1954) converted to a bond-equivalent yield, BEY = 365 d / (360 - 91 d), and priced the
--     same way at the same maturity.
-- No cash return (NULL excess) before both exist. `cash_series_id` says which bill a day used.
with cash_asset as (
    select
        asset_id,
        yield_series_id,
        maturity_years
    from {{ ref('stg_asset_catalog') }}
    where asset_id = '{{ var("cash_asset_id") }}'
),

primary_bill as (
    select
        daily.calendar_date,
        daily.base_date,
        daily.total_return
    from {{ ref('int_asset_returns_daily') }} as daily
    inner join cash_asset on daily.asset_id = cash_asset.asset_id
    where daily.total_return is not null
),

calendar as (
    select
        calendar_date,
        business_day_index
    from {{ ref('int_business_calendar') }}
),

fallback_observations as (
    select
        calendar_date,
        value,
        is_filled
    from {{ ref('int_observations_daily') }}
    where series_id = '{{ var("cash_fallback_series_id") }}'
),

-- the fallback's span ends on its last actual print (a stale tail is not turned into carry)
fallback_span as (
    select
        min(calendar_date) as first_date,
        max(calendar_date) filter (where not is_filled) as last_date
    from fallback_observations
),

fallback_yields as (
    select
        calendar.calendar_date,
        lag(calendar.calendar_date) over (order by calendar.calendar_date) as base_date,
        -- discount basis -> bond-equivalent yield of a 91-day bill
        365.0 * fallback_observations.value / (360.0 - 91.0 * fallback_observations.value)
            as bond_equivalent_yield
    from calendar
    inner join fallback_span
        on calendar.calendar_date between fallback_span.first_date and fallback_span.last_date
    left join fallback_observations
        on calendar.calendar_date = fallback_observations.calendar_date
),

fallback_pairs as (
    select
        fallback_yields.calendar_date,
        fallback_yields.base_date,
        lag(fallback_yields.bond_equivalent_yield) over (order by fallback_yields.calendar_date)
            as y0,
        fallback_yields.bond_equivalent_yield as y1,
        {{ year_fraction('fallback_yields.base_date', 'fallback_yields.calendar_date') }}
            as elapsed_years,
        cash_asset.maturity_years
    from fallback_yields
    cross join cash_asset
),

fallback_bill as (
    select
        calendar_date,
        base_date,
        {{ par_bond_total_return('y0', 'y1', 'maturity_years', 'elapsed_years') }} as total_return
    from fallback_pairs
    where base_date is not null and y0 is not null and y1 is not null
)

select
    coalesce(primary_bill.calendar_date, fallback_bill.calendar_date) as calendar_date,
    coalesce(primary_bill.base_date, fallback_bill.base_date) as base_date,
    coalesce(primary_bill.total_return, fallback_bill.total_return) as cash_return,
    case
        when primary_bill.total_return is not null then cash_asset.yield_series_id
        else '{{ var("cash_fallback_series_id") }}'
    end as cash_series_id
from primary_bill
full outer join fallback_bill on primary_bill.calendar_date = fallback_bill.calendar_date
cross join cash_asset
where coalesce(primary_bill.total_return, fallback_bill.total_return) is not null
