-- The Markov-switching fit behind markov_regimes: one row per regime (numbered by ascending
-- slope) with its label, parameters (slope with its 95 % Wald interval), the probability of
-- staying in it and the fit's diagnostics (regime count chosen by BIC among the candidates,
-- log-likelihood, AIC, BIC, converged flag, fitted-on range). A fit that does not converge
-- fails the build (int_markov_regimes).
{{ config(contract={'enforced': true}) }}

with fit as (
    select distinct
        regime_index,
        regime,
        equity_asset_id,
        bond_asset_id,
        intercept,
        beta,
        beta_se,
        beta_low,
        beta_high,
        sigma,
        stay_probability,
        switch_probability,
        k_regimes,
        log_likelihood,
        aic,
        bic,
        model_selection,
        converged,
        n_months,
        fitted_from,
        fitted_to
    from {{ ref('int_markov_regimes') }}
)

select
    fit.regime_index::integer as regime_index,
    {{ cast('fit.regime', 'varchar') }} as regime,
    {{ cast('fit.equity_asset_id', 'varchar') }} as equity_asset_id,
    {{ cast('fit.bond_asset_id', 'varchar') }} as bond_asset_id,
    fit.intercept::double as intercept,
    fit.beta::double as beta,
    fit.beta_se::double as beta_se,
    fit.beta_low::double as beta_low,
    fit.beta_high::double as beta_high,
    fit.sigma::double as sigma,
    fit.stay_probability::double as stay_probability,
    fit.switch_probability::double as switch_probability,
    (1 / nullif(1 - fit.stay_probability, 0))::double as expected_duration_months,
    fit.k_regimes::integer as k_regimes,
    fit.log_likelihood::double as log_likelihood,
    fit.aic::double as aic,
    fit.bic::double as bic,
    {{ cast('fit.model_selection', 'varchar') }} as model_selection,
    fit.converged::boolean as converged,
    fit.n_months::integer as n_months,
    fit.fitted_from::date as fitted_from,
    fit.fitted_to::date as fitted_to,
    {{ data_source() }}
from fit
