"""Markov-switching regimes of the stock-bond hedge (Hamilton 1989; statsmodels MarkovRegression).

Model, on complete months in which both have a total return:
    bond_t = c_s + beta_s * equity_t + e_t,   e_t ~ N(0, sigma2_s),   s_t in {0, 1} Markov,
with a switching intercept, slope and variance. The regime with the lower slope is labelled
`hedge_working` (the bond moves against the equity), the other `hedge_failing`.

Published per month: the filtered probability of `hedge_failing` (uses data up to that month
only: what was knowable in real time) and the smoothed one (uses the whole sample); per fit:
each regime's parameters, the transition matrix, the log-likelihood, AIC, the optimiser's
convergence flag and the fitted-on range. A fit that does not converge raises with its
diagnostics, so the dbt build fails instead of publishing it. Fitting starts from the
default start plus `markov_search_reps` random starts (numpy seed `markov_seed`).

Parameters (dbt vars through the model's config): markov_equity_asset, markov_bond_asset,
markov_search_reps, markov_seed.
"""

from __future__ import annotations

import warnings

import numpy as np

LABELS = ("hedge_working", "hedge_failing")


class MarkovFitError(RuntimeError):
    """The Markov-switching fit did not converge (message carries the diagnostics)."""


def fit_markov(bond, equity, search_reps: int = 20, seed: int = 0):
    """Fit the two-regime model; return a dict with parameters, probabilities, diagnostics.

    Regime order is normalised: index 0 = lower slope (`hedge_working`).
    """
    import statsmodels.api as sm

    bond = np.asarray(bond, dtype=float)
    equity = np.asarray(equity, dtype=float)
    model = sm.tsa.MarkovRegression(
        bond, k_regimes=2, exog=equity, switching_variance=True, trend="c"
    )
    failures = []
    result = None
    # random starting points first; a start that wanders into a degenerate region (statsmodels
    # raises, or the optimiser stops unconverged) falls back on the default start alone
    for reps in dict.fromkeys((search_reps, 0)):
        np.random.seed(seed)  # statsmodels draws random starting values from numpy's global RNG
        try:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                candidate = model.fit(search_reps=reps, disp=False, maxiter=500)
        except (RuntimeError, ValueError, np.linalg.LinAlgError) as exc:
            failures.append(f"search_reps={reps}: {type(exc).__name__}: {exc}")
            continue
        retvals = candidate.mle_retvals or {}
        params = np.asarray(candidate.params)
        if (
            retvals.get("converged", False)
            and np.all(np.isfinite(params))
            and np.isfinite(candidate.llf)
        ):
            result = candidate
            break
        shown = dict(zip(model.param_names, np.round(params, 6).tolist(), strict=True))
        failures.append(
            f"search_reps={reps}: converged={retvals.get('converged')}, llf={candidate.llf}, "
            f"params={shown}"
        )
    if result is None:
        raise MarkovFitError(
            f"Markov-switching fit did not converge (n={bond.size}): " + "; ".join(failures)
        )
    converged = True
    params = np.asarray(result.params)
    names = list(model.param_names)
    value = dict(zip(names, params, strict=True))
    slopes = [value["x1[0]"], value["x1[1]"]]
    order = [0, 1] if slopes[0] <= slopes[1] else [1, 0]
    transition = np.asarray(result.regime_transition)[:, :, 0]  # [i, j] = P(s_t = i | s_{t-1} = j)
    # a probability can come out of the filter as 1 + 2e-16 (rounding): clip to [0, 1]
    filtered = np.clip(np.asarray(result.filtered_marginal_probabilities), 0.0, 1.0)
    smoothed = np.clip(np.asarray(result.smoothed_marginal_probabilities), 0.0, 1.0)
    regimes = []
    for label, k in zip(LABELS, order, strict=True):
        stay = float(transition[k, k])
        regimes.append(
            {
                "regime": label,
                "intercept": float(value[f"const[{k}]"]),
                "beta": float(value[f"x1[{k}]"]),
                "sigma": float(np.sqrt(value[f"sigma2[{k}]"])),
                "stay_probability": stay,
                "expected_duration": float(1.0 / (1.0 - stay)) if stay < 1 else float("inf"),
                "share_smoothed": float(np.mean(smoothed[:, k] > 0.5)),
            }
        )
    failing = order[1]
    return {
        "regimes": regimes,
        "transition": transition[np.ix_(order, order)],
        "filtered_failing": filtered[:, failing],
        "smoothed_failing": smoothed[:, failing],
        "llf": float(result.llf),
        "aic": float(result.aic),
        "converged": converged,
        "n": int(bond.size),
    }


def model(dbt, session):
    dbt.config(materialized="table")
    equity = str(dbt.config.get("markov_equity_asset"))
    bond = str(dbt.config.get("markov_bond_asset"))
    search_reps = int(dbt.config.get("markov_search_reps"))
    seed = int(dbt.config.get("markov_seed"))
    returns = dbt.ref("int_asset_returns")
    data = returns.query(
        "returns_rel",
        f"""
        select e.period_end, e.total_return as equity_return, b.total_return as bond_return
        from returns_rel as e join returns_rel as b using (frequency, period_end)
        where e.frequency = 'monthly' and e.asset_id = '{equity}' and b.asset_id = '{bond}'
          and e.is_complete_period and b.is_complete_period
          and e.total_return is not null and b.total_return is not null
          and not isnan(e.total_return) and not isnan(b.total_return)
        order by e.period_end
        """,
    ).fetchnumpy()
    dates = np.asarray(data["period_end"], dtype="datetime64[D]")
    if dates.size < 60:
        raise MarkovFitError(
            f"Markov-switching fit needs at least 60 months of {equity} and {bond}; "
            f"got {dates.size}"
        )
    fit = fit_markov(data["bond_return"], data["equity_return"], search_reps, seed)
    working, failing = fit["regimes"]
    p = fit["transition"]
    rows = []
    for i, day in enumerate(dates):
        rows.append(
            {
                "period_end": day.astype(object),
                "equity_asset_id": equity,
                "bond_asset_id": bond,
                "equity_return": float(data["equity_return"][i]),
                "bond_return": float(data["bond_return"][i]),
                "filtered_probability_failing": float(fit["filtered_failing"][i]),
                "smoothed_probability_failing": float(fit["smoothed_failing"][i]),
                "working_intercept": working["intercept"],
                "working_beta": working["beta"],
                "working_sigma": working["sigma"],
                "failing_intercept": failing["intercept"],
                "failing_beta": failing["beta"],
                "failing_sigma": failing["sigma"],
                "p_working_to_working": float(p[0, 0]),
                "p_working_to_failing": float(p[1, 0]),
                "p_failing_to_failing": float(p[1, 1]),
                "p_failing_to_working": float(p[0, 1]),
                "log_likelihood": fit["llf"],
                "aic": fit["aic"],
                "converged": fit["converged"],
                "n_months": fit["n"],
                "fitted_from": dates[0].astype(object),
                "fitted_to": dates[-1].astype(object),
            }
        )
    import pyarrow as pa

    return pa.Table.from_pylist(rows)
