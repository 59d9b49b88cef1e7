-- The Markov-switching hedge regime: the fitted regimes (slope, volatility, persistence, fit
-- diagnostics) and, per year, the share of months the hedge was more likely failing in real
-- time (filtered) and in hindsight (smoothed). From marts.markov_regime_fit and
-- marts.markov_regimes.
with yearly as (
    select
        year(period_end) as year,
        count(*) as months,
        round(avg(filtered_probability_failing), 3) as mean_filtered_probability_failing,
        round(avg(smoothed_probability_failing), 3) as mean_smoothed_probability_failing,
        count(*) filter (where filtered_regime = 'hedge_failing') as months_filtered_failing
    from marts.markov_regimes
    group by year(period_end)
)

select
    yearly.year,
    yearly.months,
    yearly.mean_filtered_probability_failing,
    yearly.mean_smoothed_probability_failing,
    yearly.months_filtered_failing,
    round(working.beta, 3) as working_beta,
    round(failing.beta, 3) as failing_beta,
    round(working.expected_duration_months, 1) as working_expected_months,
    round(failing.expected_duration_months, 1) as failing_expected_months,
    working.converged
from yearly
cross join (select * from marts.markov_regime_fit where regime = 'hedge_working') as working
cross join (select * from marts.markov_regime_fit where regime = 'hedge_failing') as failing
order by yearly.year;
