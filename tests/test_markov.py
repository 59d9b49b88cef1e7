"""Markov-switching hedge regimes (int_markov_regimes, statsmodels MarkovRegression).

Checked against planted switches: simulated bond-on-equity returns with a known two-state
Markov chain (slope -0.3 / +0.3, volatility 1 % / 2 %) are recovered (states, slopes, staying
probabilities); the sample's planted stock-bond eras (positive correlation 1966-1999,
negative 2000-2021) show up as the failing / working regime; a fit that cannot converge
raises with its diagnostics instead of publishing.
"""

from __future__ import annotations

import importlib.util

import duckdb
import numpy as np
import pytest

from ingestion.catalog import PROJECT_ROOT

MODEL = PROJECT_ROOT / "dbt_project" / "models" / "intermediate" / "int_markov_regimes.py"


def markov():
    spec = importlib.util.spec_from_file_location("int_markov_regimes", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_planted_switches_are_recovered():
    module = markov()
    rng = np.random.default_rng(5)
    n = 600
    state = np.zeros(n, dtype=int)
    for t in range(1, n):
        state[t] = state[t - 1] if rng.random() < 0.97 else 1 - state[t - 1]
    equity = rng.normal(0, 0.04, n)
    beta = np.where(state == 1, 0.3, -0.3)
    sigma = np.where(state == 1, 0.02, 0.01)
    bond = 0.003 + beta * equity + rng.normal(0, 1, n) * sigma
    fit = module.fit_markov(bond, equity, search_reps=5, seed=0)
    working, failing = fit["regimes"]
    assert fit["converged"]
    assert working["beta"] == pytest.approx(-0.3, abs=0.06)
    assert failing["beta"] == pytest.approx(0.3, abs=0.06)
    assert working["sigma"] == pytest.approx(0.01, rel=0.2)
    assert failing["sigma"] == pytest.approx(0.02, rel=0.2)
    assert 0.9 < working["stay_probability"] < 1 and 0.9 < failing["stay_probability"] < 1
    assert np.mean((fit["smoothed_failing"] > 0.5) == (state == 1)) > 0.9
    assert np.mean((fit["filtered_failing"] > 0.5) == (state == 1)) > 0.85
    # the transition matrix's columns are distributions
    assert np.allclose(fit["transition"].sum(axis=0), 1.0)


def test_a_fit_that_cannot_converge_fails_loudly():
    module = markov()
    equity = np.random.default_rng(1).normal(0, 0.04, 120)
    with pytest.raises(module.MarkovFitError, match="did not converge"):
        module.fit_markov(np.zeros(120), equity, search_reps=0, seed=0)


def test_sample_planted_eras_are_the_markov_regimes(sample_warehouse):
    con = duckdb.connect(str(sample_warehouse), read_only=True)
    try:
        share = dict(
            con.execute(
                """
                select case when year(period_end) between 1966 and 1999 then 'positive'
                            when year(period_end) between 2000 and 2021 then 'negative' end,
                       avg((smoothed_probability_failing > 0.5)::int)
                from marts.markov_regimes
                where year(period_end) between 1966 and 2021
                group by 1
                """
            ).fetchall()
        )
        fit = dict(con.execute("select regime, beta from marts.markov_regime_fit").fetchall())
        converged = con.execute(
            "select bool_and(converged) from marts.markov_regime_fit"
        ).fetchone()
        cells = con.execute(
            "select count(*) from marts.hedge_scorecard where regime_dimension = 'markov_regime'"
        ).fetchone()
    finally:
        con.close()
    assert converged[0] is True
    assert fit["hedge_working"] < fit["hedge_failing"]
    assert share["positive"] > share["negative"] + 0.25, share
    assert cells[0] > 0
