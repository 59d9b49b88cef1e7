-- The Markov-switching hedge regime: the fitted regimes (slope, volatility, persistence, fit
-- diagnostics) and, per year, the share of months the hedge was more likely failing in real
-- time (filtered) and in hindsight (smoothed). From marts.markov_regime_fit and
-- marts.markov_regimes. Labels follow the slope's 95 % interval (hedge_working below zero,
-- hedge_failing above, hedge_neutral across); a label can be missing (null slope here) or
-- carried by several regimes (the lowest working and highest failing slope are shown).
with yearly as (
    select
        year(period_end) as year,
        count(*) as months,
        round(avg(filtered_probability_failing), 3) as mean_filtered_probability_failing,
        round(avg(smoothed_probability_failing), 3) as mean_smoothed_probability_failing,
        count(*) filter (where filtered_regime = 'hedge_failing') as months_filtered_failing
    from marts.markov_regimes
    group by year(period_end)
),

fit as (
    select
        min(beta) filter (where regime = 'hedge_working') as working_beta,
        max(beta) filter (where regime = 'hedge_failing') as failing_beta,
        max(expected_duration_months) filter (
            where regime = 'hedge_working'
        ) as working_expected_months,
        max(expected_duration_months) filter (
            where regime = 'hedge_failing'
        ) as failing_expected_months,
        bool_and(converged) as converged
    from marts.markov_regime_fit
)

select
    yearly.year,
    yearly.months,
    yearly.mean_filtered_probability_failing,
    yearly.mean_smoothed_probability_failing,
    yearly.months_filtered_failing,
    round(fit.working_beta, 3) as working_beta,
    round(fit.failing_beta, 3) as failing_beta,
    round(fit.working_expected_months, 1) as working_expected_months,
    round(fit.failing_expected_months, 1) as failing_expected_months,
    fit.converged
from yearly
cross join fit
order by yearly.year;
