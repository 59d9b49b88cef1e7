"""Markov-switching hedge regimes (int_markov_regimes, statsmodels MarkovRegression).

Checked against planted switches: simulated bond-on-equity returns with a known Markov chain
(two states, slope -0.3 / +0.3; three states adding a calm zero-slope one) are recovered
(states, slopes, staying probabilities, labels) and BIC picks the planted number of regimes;
two positive slopes give no `hedge_working` regime (the label follows the sign of the slope's
interval, not the ordering); the sample's planted stock-bond eras show up as failing /
working; a fit that cannot converge raises with its diagnostics instead of publishing. On the
shared real FRED history (skipped when absent) the labelled regimes match dated episodes,
written below with their dates.
"""

from __future__ import annotations

import importlib.util
from datetime import date

import duckdb
import numpy as np
import pytest

from ingestion.catalog import PROJECT_ROOT

MODEL = (
    PROJECT_ROOT / "dbt_project" / "models" / "intermediate" / "answer" / "int_markov_regimes.py"
)


def markov():
    spec = importlib.util.spec_from_file_location("int_markov_regimes", MODEL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def planted(seed, betas, sigmas, n=600, stay=0.97):
    """Bond-on-equity returns from a Markov chain over len(betas) states (uniform switches)."""
    rng = np.random.default_rng(seed)
    k = len(betas)
    state = np.zeros(n, dtype=int)
    for t in range(1, n):
        state[t] = (
            state[t - 1]
            if rng.random() < stay
            else rng.choice([s for s in range(k) if s != state[t - 1]])
        )
    equity = rng.normal(0, 0.04, n)
    bond = 0.003 + np.take(betas, state) * equity + rng.normal(0, 1, n) * np.take(sigmas, state)
    return bond, equity, state


def test_planted_switches_are_recovered():
    module = markov()
    bond, equity, state = planted(5, [-0.3, 0.3], [0.01, 0.02])
    fit = module.fit_markov(bond, equity, k_regimes=2, search_reps=5, seed=0)
    working, failing = fit["regimes"]
    assert fit["converged"]
    assert (working["regime"], failing["regime"]) == ("hedge_working", "hedge_failing")
    assert working["beta"] == pytest.approx(-0.3, abs=0.06)
    assert failing["beta"] == pytest.approx(0.3, abs=0.06)
    assert working["beta_high"] < 0 < failing["beta_low"]
    assert working["sigma"] == pytest.approx(0.01, rel=0.2)
    assert failing["sigma"] == pytest.approx(0.02, rel=0.2)
    assert 0.9 < working["stay_probability"] < 1 and 0.9 < failing["stay_probability"] < 1
    smoothed = module.probability_of(fit, "hedge_failing", "smoothed")
    filtered = module.probability_of(fit, "hedge_failing", "filtered")
    assert np.mean((smoothed > 0.5) == (state == 1)) > 0.9
    assert np.mean((filtered > 0.5) == (state == 1)) > 0.85
    # the transition matrix's columns are distributions
    assert np.allclose(fit["transition"].sum(axis=0), 1.0)


def test_three_planted_regimes_are_labelled_and_chosen_by_bic():
    """Working (-0.3), calm (slope 0, 0.3 % vol) and failing (+0.3): BIC picks 3 over 2 and
    the calm regime, whose slope interval straddles zero, is `hedge_neutral`."""
    module = markov()
    bond, equity, state = planted(11, [-0.3, 0.0, 0.3], [0.01, 0.003, 0.02], n=720)
    fit, table = module.select_fit(bond, equity, [2, 3], search_reps=5, seed=0)
    bic = {k: b for k, _, _, b in table}
    assert fit["k_regimes"] == 3 and bic[3] < bic[2], table
    labels = [r["regime"] for r in fit["regimes"]]
    assert labels == ["hedge_working", "hedge_neutral", "hedge_failing"]
    neutral = fit["regimes"][1]
    assert neutral["beta_low"] < 0 < neutral["beta_high"]
    assert neutral["sigma"] == pytest.approx(0.003, rel=0.3)
    recovered = np.argmax(fit["smoothed"], axis=1)
    assert np.mean(recovered == state) > 0.85


def test_two_positive_slopes_are_not_called_working():
    """The old rule called the lower of two positive slopes `hedge_working`: no longer."""
    module = markov()
    bond, equity, _ = planted(8, [0.1, 0.5], [0.005, 0.02])
    fit = module.fit_markov(bond, equity, k_regimes=2, search_reps=5, seed=0)
    assert [r["regime"] for r in fit["regimes"]] == ["hedge_failing", "hedge_failing"]
    assert all(r["beta_low"] > 0 for r in fit["regimes"])
    assert np.all(module.probability_of(fit, "hedge_working") == 0)
    assert np.allclose(module.probability_of(fit, "hedge_failing"), 1.0)


def test_regime_count_var_is_validated():
    module = markov()
    assert module.parse_k("[3, 2, 3]") == [2, 3]
    assert module.parse_k(2) == [2]
    with pytest.raises(ValueError, match="markov_regimes_k"):
        module.parse_k("[1, 2]")


def test_a_fit_that_cannot_converge_fails_loudly():
    module = markov()
    equity = np.random.default_rng(1).normal(0, 0.04, 120)
    with pytest.raises(module.MarkovFitError, match="2 regimes did not converge"):
        module.fit_markov(np.zeros(120), equity, k_regimes=2, search_reps=0, seed=0)


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
        fit = con.execute(
            "select regime, beta, beta_low, beta_high, converged, k_regimes "
            "from marts.markov_regime_fit order by regime_index"
        ).fetchall()
        # the mart's label probabilities are the per-regime probabilities summed here
        mismatch = con.execute(
            """
            with summed as (
                select period_end,
                       coalesce(sum(filtered_probability)
                                filter (where regime = 'hedge_failing'), 0) as failing,
                       coalesce(sum(smoothed_probability)
                                filter (where regime = 'hedge_working'), 0) as working
                from intermediate.int_markov_regimes group by period_end
            )
            select max(abs(least(s.failing, 1) - m.filtered_probability_failing)),
                   max(abs(least(s.working, 1) - m.smoothed_probability_working))
            from summed as s join marts.markov_regimes as m using (period_end)
            """
        ).fetchone()
        cells = con.execute(
            "select count(*) from marts.hedge_scorecard where regime_dimension = 'markov_regime'"
        ).fetchone()
    finally:
        con.close()
    assert all(row[4] for row in fit) and len(fit) == fit[0][5]
    for label, _beta, low, high, *_ in fit:
        expected = "hedge_working" if high < 0 else "hedge_failing" if low > 0 else "hedge_neutral"
        assert label == expected
    labels = [row[0] for row in fit]
    assert "hedge_working" in labels and "hedge_failing" in labels
    assert share["positive"] > share["negative"] + 0.25, share
    assert max(mismatch) < 1e-12
    assert cells[0] > 0


#: dated episodes of the real FRED history (sp500 x ust_10y, monthly): the label the smoothed
#: (hindsight) regime must carry on at least `share` of the months, or the filtered
#: (real-time) one where `basis` says so. Sources for the dates: the stock-bond correlation
#: turned positive with the 1966-2000 inflation era and negative from 2000 (e.g. Ilmanen 2003;
#: Campbell, Sunderam & Viceira 2017); 2022's inflation shock sent both down together.
REAL_EPISODES = [
    (
        "2000-2021 negative stock-bond correlation",
        date(2000, 1, 1),
        date(2021, 12, 31),
        "hedge_working",
        "smoothed",
        0.85,
    ),
    (
        "1980-1997 disinflation, positive correlation",
        date(1980, 1, 1),
        date(1997, 12, 31),
        "hedge_failing",
        "smoothed",
        0.8,
    ),
    (
        "2022 inflation shock",
        date(2022, 1, 1),
        date(2022, 12, 31),
        "hedge_failing",
        "smoothed",
        0.9,
    ),
    (
        "2022-04 to 2022-12 in real time",
        date(2022, 4, 1),
        date(2022, 12, 31),
        "hedge_failing",
        "filtered",
        0.9,
    ),
    (
        "2010-2019 in real time",
        date(2010, 1, 1),
        date(2019, 12, 31),
        "hedge_working",
        "filtered",
        0.9,
    ),
]


@pytest.mark.realdata
@pytest.mark.parametrize("episode", REAL_EPISODES, ids=[e[0] for e in REAL_EPISODES])
def test_real_markov_regimes_match_dated_history(real_warehouse, episode):
    name, start, end, label, basis, share = episode
    con = duckdb.connect(str(real_warehouse), read_only=True)
    try:
        months, matching = con.execute(
            f"""
            select count(*), count(*) filter (where {basis}_regime = ?)
            from marts.markov_regimes where period_end between ? and ?
            """,
            [label, start, end],
        ).fetchone()
        fit = con.execute(
            "select regime, beta_low, beta_high from marts.markov_regime_fit"
        ).fetchall()
    finally:
        con.close()
    # the labels claimed here exist and mean what they say
    assert any(r == "hedge_working" and high < 0 for r, _, high in fit), fit
    assert any(r == "hedge_failing" and low > 0 for r, low, _ in fit), fit
    assert months >= 9
    assert matching / months >= share, f"{name}: {matching}/{months} months {basis} {label}"
