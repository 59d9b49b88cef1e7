"""Markov-switching regimes of the stock-bond hedge (Hamilton 1989; statsmodels MarkovRegression).

Model, on complete months in which both have a total return:
    bond_t = c_s + beta_s * equity_t + e_t,   e_t ~ N(0, sigma2_s),   s_t in {0, .., k-1} Markov,
with a switching intercept, slope and variance.

How many regimes: var `markov_regimes_k`, a list of candidate counts (default [2, 3]) or one
count. Every candidate is fitted; the one with the lowest BIC is published (BIC rather than
AIC: AIC keeps adding regimes on 60 years of monthly data, and a 4-regime fit does not converge
reliably). Every candidate must converge, so the comparison is between real optima.

Labels say what a regime is, from the sign of its slope and its 95 % Wald interval
(beta +/- 1.96 se, se from the fit's Hessian): `hedge_working` when the interval lies below
zero (the bond rises when the equity falls), `hedge_failing` when it lies above zero (the bond
falls with the equity), `hedge_neutral` when it straddles zero (no reliable relation). Regimes
are numbered 1..k by ascending slope (`regime_index`); two regimes can share a label.

Fitting: the default start plus statsmodels' random search (`markov_search_reps` draws) under
each of START_SEEDS seeds (`markov_seed`, +1, ..., passed as its `rng`: it ignores numpy's
global seed); the converged fit with the highest log-likelihood wins (a random start can stop
on a worse local optimum than the default one). A start counts as
converged when the optimiser says so and the parameters, log-likelihood and the slopes'
standard errors are finite. When no start converges the model raises with every start's
diagnostics, so the dbt build fails instead of publishing.

Output: one row per month x regime: filtered (data up to that month: real time) and smoothed
(whole sample) probability of the regime, its parameters and the fit's diagnostics.

Reuse (incremental builds): the fit is a function of its input alone (the optimiser's random
starts are seeded), so every row stores `input_fingerprint`, a SHA-256 of the monthly returns
fitted (rounded to RETURN_DECIMALS against upstream last-bit noise), the vars,
MODEL_VERSION and the numpy / scipy / statsmodels versions
(`fit_fingerprint`). When the last build's rows carry the fingerprint of this build's input,
they are returned as they are (`reused` = true) instead of refitting; `--full-refresh`
always refits. The table is replaced as a whole each build (incremental strategy
`replace_all`, macros/incremental.sql).
"""

from __future__ import annotations

import hashlib
import json
import warnings

import numpy as np

from dbt_project.python import model_io

LABELS = ("hedge_working", "hedge_neutral", "hedge_failing")
Z95 = 1.959963984540054
START_SEEDS = 2
#: bump whenever a change to this file changes any output value (the fingerprint includes it)
MODEL_VERSION = "1"
#: returns are rounded to this many decimals before the fit: DuckDB's parallel sums make the
#: last bit of a few monthly returns vary between builds of the same data (~1e-16), which
#: would change the input fingerprint; 1e-10 is far below the data's precision
RETURN_DECIMALS = 10


class MarkovFitError(RuntimeError):
    """The Markov-switching fit did not converge (message carries the diagnostics)."""


def label_of(beta: float, se: float) -> str:
    """`hedge_working` / `hedge_failing` only when the slope's 95 % interval excludes zero."""
    if np.isfinite(se) and beta + Z95 * se < 0:
        return "hedge_working"
    if np.isfinite(se) and beta - Z95 * se > 0:
        return "hedge_failing"
    return "hedge_neutral"


def _fit_once(model, k, start):
    """One optimisation; returns (result or None, diagnostics string)."""
    kind, reps, seed = start
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            # rng: statsmodels seeds its random search from fresh OS entropy unless given one
            result = model.fit(search_reps=reps, rng=seed, disp=False, maxiter=500)
            bse = np.asarray(result.bse)
    except (RuntimeError, ValueError, np.linalg.LinAlgError) as exc:
        return None, f"{kind} start (seed {seed}): {type(exc).__name__}: {exc}"
    params = np.asarray(result.params)
    slope_se = bse[[model.param_names.index(f"x1[{j}]") for j in range(k)]]
    ok = (
        (result.mle_retvals or {}).get("converged", False)
        and np.all(np.isfinite(params))
        and np.isfinite(result.llf)
        and np.all(np.isfinite(slope_se))
    )
    shown = dict(zip(model.param_names, np.round(params, 6).tolist(), strict=True))
    note = (
        f"{kind} start (seed {seed}): converged={(result.mle_retvals or {}).get('converged')}, "
        f"llf={result.llf:.3f}, finite slope se={bool(np.all(np.isfinite(slope_se)))}, "
        f"params={shown}"
    )
    return (result if ok else None), note


def fit_markov(bond, equity, k_regimes: int = 2, search_reps: int = 5, seed: int = 0):
    """Fit the k-regime model; return a dict with parameters, probabilities, diagnostics.

    Regimes are ordered by ascending slope (index 0 = lowest); see the module docstring.
    """
    import statsmodels.api as sm

    bond = np.asarray(bond, dtype=float)
    equity = np.asarray(equity, dtype=float)
    k = int(k_regimes)
    model = sm.tsa.MarkovRegression(
        bond, k_regimes=k, exog=equity, switching_variance=True, trend="c"
    )
    starts = [("default", 0, None)]
    if search_reps > 0:
        starts += [("random", search_reps, seed + i) for i in range(START_SEEDS)]
    notes, best = [], None
    for start in starts:
        result, note = _fit_once(model, k, start)
        notes.append(note)
        if result is not None and (best is None or result.llf > best.llf):
            best = result
    if best is None:
        raise MarkovFitError(
            f"Markov-switching fit with {k} regimes did not converge (n={bond.size}): "
            + "; ".join(notes)
        )
    names = list(model.param_names)
    value = dict(zip(names, np.asarray(best.params), strict=True))
    se = dict(zip(names, np.asarray(best.bse), strict=True))
    order = list(np.argsort([value[f"x1[{j}]"] for j in range(k)], kind="stable"))
    transition = np.asarray(best.regime_transition)[:, :, 0]  # [i, j] = P(s_t = i | s_t-1 = j)
    transition = transition[np.ix_(order, order)]
    # a probability can come out of the filter as 1 + 2e-16 (rounding): clip to [0, 1]
    filtered = np.clip(np.asarray(best.filtered_marginal_probabilities), 0.0, 1.0)[:, order]
    smoothed = np.clip(np.asarray(best.smoothed_marginal_probabilities), 0.0, 1.0)[:, order]
    regimes = []
    for i, j in enumerate(order):
        beta, beta_se = float(value[f"x1[{j}]"]), float(se[f"x1[{j}]"])
        stay = float(transition[i, i])
        regimes.append(
            {
                "regime_index": i + 1,
                "regime": label_of(beta, beta_se),
                "intercept": float(value[f"const[{j}]"]),
                "beta": beta,
                "beta_se": beta_se,
                "beta_low": beta - Z95 * beta_se,
                "beta_high": beta + Z95 * beta_se,
                "sigma": float(np.sqrt(value[f"sigma2[{j}]"])),
                "stay_probability": stay,
                "expected_duration": float(1.0 / (1.0 - stay)) if stay < 1 else float("inf"),
                "share_smoothed": float(np.mean(smoothed.argmax(axis=1) == i)),
            }
        )
    return {
        "k_regimes": k,
        "regimes": regimes,
        "transition": transition,
        "filtered": filtered,
        "smoothed": smoothed,
        "llf": float(best.llf),
        "aic": float(best.aic),
        "bic": float(best.bic),
        "converged": True,
        "n": int(bond.size),
        "starts": notes,
    }


def probability_of(fit, label: str, which: str = "filtered") -> np.ndarray:
    """Per month, the summed probability of the regimes carrying ``label``."""
    columns = [i for i, r in enumerate(fit["regimes"]) if r["regime"] == label]
    return fit[which][:, columns].sum(axis=1) if columns else np.zeros(fit[which].shape[0])


def parse_k(raw) -> list[int]:
    """The `markov_regimes_k` var: one regime count or a list of candidates (each >= 2)."""
    value = json.loads(raw) if isinstance(raw, str) else raw
    candidates = [int(v) for v in (value if isinstance(value, list | tuple) else [value])]
    if not candidates or any(c < 2 for c in candidates):
        raise ValueError(f"markov_regimes_k: regime counts must be >= 2, got {raw!r}")
    return sorted(set(candidates))


def select_fit(bond, equity, candidates, search_reps: int = 5, seed: int = 0):
    """Fit every candidate count; return (the lowest-BIC fit, [(k, llf, aic, bic)])."""
    fits = [fit_markov(bond, equity, k, search_reps, seed) for k in candidates]
    table = [(f["k_regimes"], f["llf"], f["aic"], f["bic"]) for f in fits]
    return min(fits, key=lambda f: f["bic"]), table


def fit_fingerprint(dates, equity_return, bond_return, settings) -> str:
    """SHA-256 (hex) of everything the published fit depends on."""
    import scipy
    import statsmodels

    header = [MODEL_VERSION, np.__version__, scipy.__version__, statsmodels.__version__]
    h = hashlib.sha256(json.dumps([*header, settings, int(dates.size)]).encode())
    h.update(np.ascontiguousarray(dates, dtype="datetime64[D]").astype("<i8").tobytes())
    h.update(np.ascontiguousarray(equity_return, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(bond_return, dtype="<f8").tobytes())
    return h.hexdigest()


def stored_fit(session, relation, fingerprint) -> list[dict] | None:
    """The last build's rows when all of them carry ``fingerprint`` (else None)."""
    if "input_fingerprint" not in model_io.columns_of(session, relation):
        return None
    rows = model_io.fetch_dicts(
        session, f"select * from {relation} order by period_end, regime_index"
    )
    if not rows or any(r["input_fingerprint"] != fingerprint for r in rows):
        return None
    return [{**r, "reused": True} for r in rows]


def model(dbt, session):
    # incremental only to learn, through dbt.is_incremental, whether the last build's rows
    # may be reused (not on the first build nor on --full-refresh); replace_all keeps table
    # semantics: every build writes the whole table
    # (the strategy, per engine, is set in _int_answer.yml: replace_all on DuckDB)
    dbt.config(materialized="incremental", on_schema_change="sync_all_columns")
    equity = str(dbt.config.get("markov_equity_asset"))
    bond = str(dbt.config.get("markov_bond_asset"))
    search_reps = int(dbt.config.get("markov_search_reps"))
    seed = int(dbt.config.get("markov_seed"))
    candidates = parse_k(dbt.config.get("markov_regimes_k"))
    returns = dbt.ref("int_asset_returns")
    data = model_io.query_numpy(
        session,
        returns,
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
    )
    dates = np.asarray(data["period_end"], dtype="datetime64[D]")
    data = {k: np.round(data[k], RETURN_DECIMALS) for k in ("equity_return", "bond_return")}
    if dates.size < 60:
        raise MarkovFitError(
            f"Markov-switching fit needs at least 60 months of {equity} and {bond}; "
            f"got {dates.size}"
        )
    import pyarrow as pa

    fingerprint = fit_fingerprint(
        dates,
        data["equity_return"],
        data["bond_return"],
        [equity, bond, search_reps, seed, candidates],
    )
    stored = stored_fit(session, dbt.this, fingerprint) if dbt.is_incremental else None
    if stored is not None:
        return model_io.output(session, pa.Table.from_pylist(stored))
    fit, table = select_fit(
        data["bond_return"], data["equity_return"], candidates, search_reps, seed
    )
    selection = (
        "; ".join(
            f"k={k}: llf {llf:.2f}, AIC {aic:.2f}, BIC {bic:.2f}" for k, llf, aic, bic in table
        )
        + f" (published: k={fit['k_regimes']}, the lowest BIC)"
    )
    p = fit["transition"]
    rows = []
    for i, day in enumerate(dates):
        for r, regime in enumerate(fit["regimes"]):
            rows.append(
                {
                    "period_end": day.astype(object),
                    "equity_asset_id": equity,
                    "bond_asset_id": bond,
                    "equity_return": float(data["equity_return"][i]),
                    "bond_return": float(data["bond_return"][i]),
                    **{key: v for key, v in regime.items() if key != "share_smoothed"},
                    "switch_probability": float(1.0 - p[r, r]),
                    "filtered_probability": float(fit["filtered"][i, r]),
                    "smoothed_probability": float(fit["smoothed"][i, r]),
                    "k_regimes": fit["k_regimes"],
                    "log_likelihood": fit["llf"],
                    "aic": fit["aic"],
                    "bic": fit["bic"],
                    "model_selection": selection,
                    "converged": fit["converged"],
                    "n_months": fit["n"],
                    "fitted_from": dates[0].astype(object),
                    "fitted_to": dates[-1].astype(object),
                    "input_fingerprint": fingerprint,
                    "reused": False,
                }
            )
    return model_io.output(session, pa.Table.from_pylist(rows))
