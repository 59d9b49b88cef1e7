-- Breakeven vs real-yield moves: which kind of yield rise breaks the hedge?
-- Each complete month with a 10-year real yield (TIPS) is classified by what moved the 10-year
-- nominal yield most over the month: the real yield or breakeven inflation (the nominal yield
-- is their sum). Then, in the months the S&P 500 fell: how often the 10-year Treasury rose.
with month_end as (
    select
        date_trunc('month', date) as month,
        arg_max(nominal_yield, date) as nominal_yield,
        arg_max(real_yield, date) as real_yield,
        arg_max(coalesce(breakeven_computed, breakeven_published), date) as breakeven
    from marts.breakevens
    where tenor_years = 10 and real_yield is not null
    group by all
),

moves as (
    select
        month,
        nominal_yield - lag(nominal_yield) over (order by month) as nominal_change,
        real_yield - lag(real_yield) over (order by month) as real_change,
        breakeven - lag(breakeven) over (order by month) as breakeven_change
    from month_end
),

returns as (
    select
        date_trunc('month', period_end) as month,
        max(total_return) filter (where asset_id = 'sp500') as sp500_return,
        max(total_return) filter (where asset_id = 'ust_10y') as ust_10y_return,
        max(total_return) filter (where asset_id = 'tips_10y') as tips_10y_return
    from marts.asset_returns
    where frequency = 'monthly' and is_complete_period
    group by all
),

classified as (
    select
        r.*,
        m.real_change,
        m.breakeven_change,
        case
            when m.nominal_change <= 0 then 'nominal yield fell'
            when abs(m.real_change) >= abs(m.breakeven_change) then 'rise led by real yield'
            else 'rise led by breakeven'
        end as driver
    from moves as m
    inner join returns as r on m.month = r.month
    where m.nominal_change is not null and r.sp500_return is not null
)

select
    driver,
    count(*) as months,
    count(*) filter (where sp500_return < 0) as sp500_down_months,
    round(
        avg((ust_10y_return > 0)::int) filter (where sp500_return < 0), 4
    ) as ust_10y_hit_rate,
    round(avg(ust_10y_return) filter (where sp500_return < 0), 5)
        as ust_10y_mean_return_when_sp500_down,
    round(avg(tips_10y_return) filter (where sp500_return < 0), 5)
        as tips_10y_mean_return_when_sp500_down,
    round(avg(real_change), 5) as mean_real_yield_change,
    round(avg(breakeven_change), 5) as mean_breakeven_change
from classified
group by driver
order by driver;
