-- The Markov-switching fit behind markov_regimes: one row per regime with its parameters, the
-- transition probabilities out of it and the fit's diagnostics (log-likelihood, AIC, converged
-- flag, fitted-on range). A fit that does not converge fails the build (int_markov_regimes).
{{ config(contract={'enforced': true}) }}

with fit as (
    select * from {{ ref('int_markov_regimes') }}
    order by period_end
    limit 1
),

regimes as (
    select
        'hedge_working' as regime,
        working_intercept as intercept,
        working_beta as beta,
        working_sigma as sigma,
        p_working_to_working as stay_probability,
        p_working_to_failing as switch_probability
    from fit
    union all
    select
        'hedge_failing' as regime,
        failing_intercept as intercept,
        failing_beta as beta,
        failing_sigma as sigma,
        p_failing_to_failing as stay_probability,
        p_failing_to_working as switch_probability
    from fit
)

select
    regimes.regime::varchar as regime,
    fit.equity_asset_id::varchar as equity_asset_id,
    fit.bond_asset_id::varchar as bond_asset_id,
    regimes.intercept::double as intercept,
    regimes.beta::double as beta,
    regimes.sigma::double as sigma,
    regimes.stay_probability::double as stay_probability,
    regimes.switch_probability::double as switch_probability,
    (1 / nullif(1 - regimes.stay_probability, 0))::double as expected_duration_months,
    fit.log_likelihood::double as log_likelihood,
    fit.aic::double as aic,
    fit.converged::boolean as converged,
    fit.n_months::integer as n_months,
    fit.fitted_from::date as fitted_from,
    fit.fitted_to::date as fitted_to,
    warehouse_source.data_source::varchar as data_source
from regimes
cross join fit
cross join {{ ref('stg_warehouse_source') }} as warehouse_source
