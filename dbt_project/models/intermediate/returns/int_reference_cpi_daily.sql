-- The TIPS reference CPI on every business day, for each inflation series the asset catalog
-- names (CPIAUCSL). Treasury's index-ratio convention (31 CFR 356, Appendix B):
--   Ref CPI(date in month m, day d) = CPI(m-3) + (d - 1) / days_in_month(m) * (CPI(m-2) - CPI(m-3))
-- i.e. the CPI three months earlier on the 1st, moving linearly to the CPI two months earlier
-- by the 1st of the next month. Treasury uses the non-seasonally-adjusted CPI-U (CPIAUCNS);
-- the catalog carries the seasonally adjusted CPIAUCSL, so daily TIPS returns here lack the
-- seasonal wiggle of actual TIPS accruals (the level over a year is nearly the same).
-- A month missing inside the published history (October 2025: BLS published no CPI during the
-- government shutdown) gets Treasury's own fallback rule (Appendix B): the last available
-- index grown at its last 12-month rate, CPI(last) * (CPI(last) / CPI(last - 12))^(k/12).
-- Nothing is extrapolated past the latest print; `uses_fallback_cpi` flags the affected days.
with inflation_series as (
    select distinct inflation_series_id as series_id
    from {{ ref('stg_asset_catalog') }}
    where inflation_series_id is not null
),

published as (
    select
        observations.series_id,
        date_trunc('month', observations.observation_date)::date as cpi_month,
        observations.value as cpi
    from {{ ref('stg_observations') }} as observations
    inner join inflation_series on observations.series_id = inflation_series.series_id
),

month_spine as (
    {{ month_spine('published', 'series_id', 'cpi_month') }}
),

last_print as (
    {{ asof_join(
        'month_spine', 'published', 'cpi_month', 'cpi_month',
        {'last_print_month': 'cpi_month', 'last_print_cpi': 'cpi'},
        by=['series_id'], join_type='left'
    ) }}
),

monthly as (
    select
        last_print.series_id,
        last_print.cpi_month,
        case
            when last_print.last_print_month = last_print.cpi_month then last_print.last_print_cpi
            else
                last_print.last_print_cpi
                * power(
                    last_print.last_print_cpi / year_before.cpi,
                    {{ to_double(months_between_starts('last_print.last_print_month', 'last_print.cpi_month')) }}
                    / 12.0
                )
        end as cpi,
        last_print.last_print_month <> last_print.cpi_month as is_fallback
    from last_print
    left join published as year_before
        on
            last_print.series_id = year_before.series_id
            and year_before.cpi_month = last_print.last_print_month - interval 12 month
),

calendar as (
    select calendar_date
    from {{ ref('int_business_calendar') }}
),

daily as (
    select
        monthly_lag3.series_id,
        calendar.calendar_date,
        monthly_lag3.cpi as cpi_lag3,
        monthly_lag2.cpi as cpi_lag2,
        ({{ to_double('day(calendar.calendar_date) - 1.0') }})
        / day(last_day(calendar.calendar_date)) as month_fraction,
        monthly_lag3.is_fallback or monthly_lag2.is_fallback as uses_fallback_cpi
    from calendar
    inner join monthly as monthly_lag3
        on monthly_lag3.cpi_month = date_trunc('month', calendar.calendar_date) - interval 3 month
    inner join monthly as monthly_lag2
        on
            monthly_lag3.series_id = monthly_lag2.series_id
            and monthly_lag2.cpi_month = date_trunc('month', calendar.calendar_date) - interval 2 month
)

select
    series_id,
    calendar_date,
    cpi_lag3 + month_fraction * (cpi_lag2 - cpi_lag3) as reference_cpi,
    cpi_lag3,
    cpi_lag2,
    uses_fallback_cpi
from daily
where cpi_lag3 is not null and cpi_lag2 is not null
