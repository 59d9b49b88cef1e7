"""The answer's uncertainty: block-bootstrap intervals, era tests and hedge_answer.

Independent checks: the bootstrap interval of every statistic and an era p-value of
marts.hedge_answer recomputed here with a plain loop (explicit resampled series, numpy's own
mean / median / corrcoef / polyfit / quantile), from the same documented random stream; Wilson
and Fisher-z intervals written out here; and, on simulated AR(1) pairs with known correlation
and hit rate, coverage of the bootstrap interval near its nominal level where the i.i.d.
intervals under-cover.
"""

from __future__ import annotations

import importlib.util
import math

import duckdb
import numpy as np
import pytest

from ingestion.catalog import PROJECT_ROOT

MODEL_PATH = (
    PROJECT_ROOT / "dbt_project" / "models" / "intermediate" / "answer" / "int_hedge_bootstrap.py"
)


def bootstrap_module():
    spec = importlib.util.spec_from_file_location("int_hedge_bootstrap", MODEL_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def rows(warehouse, sql, params=()):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cur = con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]
    finally:
        con.close()


def pair(warehouse, frequency, bond, start=None, end=None):
    where = ""
    if start:
        where += f" and e.period_end >= date '{start}'"
    if end:
        where += f" and e.period_end <= date '{end}'"
    got = rows(
        warehouse,
        f"""
        select e.total_return as s, b.total_return as b
        from marts.asset_returns as e
        join marts.asset_returns as b using (frequency, period_end)
        where e.asset_id = 'sp500' and b.asset_id = ? and frequency = ?
          and e.is_complete_period and b.is_complete_period
          and e.total_return is not null and b.total_return is not null {where}
        order by e.period_end
        """,
        [bond, frequency],
    )
    # the model rounds returns to 10 decimals (against upstream last-bit noise; see its docstring)
    return np.round([r["s"] for r in got], 10), np.round([r["b"] for r in got], 10)


def loop_replicates(module, stock, bond, block, resamples, seed):
    """Resample with a plain loop: each resample is its blocks' periods, concatenated."""
    n = stock.size
    rng = np.random.default_rng(seed)
    out = []
    done = 0
    expected = n / block * 1.2 + 6.0 * math.sqrt(n / block) + 8
    chunk = max(1, min(resamples, int(module.CHUNK_CELLS // (len(module.SUM_TERMS) * expected))))
    while done < resamples:
        rows_ = min(chunk, resamples - done)
        starts, lengths = module.stationary_blocks(rng, n, block, rows_)
        for r in range(rows_):
            idx = [
                (start + j) % n
                for start, length in zip(starts[r], lengths[r], strict=True)
                for j in range(length)
            ]
            assert len(idx) == n
            s, b = stock[idx], bond[idx]
            down, up = s < 0, s > 0
            out.append(
                {
                    "hit_rate": np.mean(b[down] > 0),
                    "mean_bond_return_when_stock_down": np.mean(b[down]),
                    "median_bond_return_when_stock_down": np.median(b[down]),
                    "offset_ratio": np.mean(b[down]) / -np.mean(s[down]),
                    "correlation": np.corrcoef(s, b)[0, 1],
                    "beta": np.polyfit(s, b, 1)[0],
                    "downside_beta": np.polyfit(s[down], b[down], 1)[0],
                    "upside_beta": np.polyfit(s[up], b[up], 1)[0],
                }
            )
        done += rows_
    return {k: np.array([o[k] for o in out]) for k in out[0]}


def test_bootstrap_interval_and_era_p_value_match_an_independent_loop(sample_warehouse):
    """hedge_answer's monthly 10y intervals and its 2022-on p-value, recomputed by a loop."""
    module = bootstrap_module()
    (full,) = rows(
        sample_warehouse,
        "select * from marts.hedge_answer where bond_asset_id = 'ust_10y' "
        "and frequency = 'monthly' and era = 'full history' and return_basis = 'total'",
    )
    stock, bond = pair(sample_warehouse, "monthly", "ust_10y")
    assert full["periods"] == stock.size
    seed = module.cell_seed(20240229, "sp500", "ust_10y", "monthly", "full history", "total")
    reps = loop_replicates(module, stock, bond, full["block_length"], full["resamples"], seed)
    # every bootstrapped statistic of the answer (issue 10 item 1), each from its own formula
    assert set(reps) == set(module.STATISTICS)
    for name, values in reps.items():
        low, high = np.quantile(values, [0.025, 0.975])
        assert full[f"{name}_ci_low"] == pytest.approx(low, abs=1e-12), name
        assert full[f"{name}_ci_high"] == pytest.approx(high, abs=1e-12), name

    cells = {}
    for era, start, end in (
        ("2000-2021", "2000-01-01", "2021-12-31"),
        ("2022 on", "2022-01-01", None),
    ):
        (row,) = rows(
            sample_warehouse,
            "select * from marts.hedge_answer where bond_asset_id = 'ust_10y' "
            "and frequency = 'monthly' and era = ? and return_basis = 'total'",
            [era],
        )
        s, b = pair(sample_warehouse, "monthly", "ust_10y", start, end)
        key = ("sp500", "ust_10y", "monthly", era, "total")
        replicates = loop_replicates(
            module, s, b, row["block_length"], row["resamples"], module.cell_seed(20240229, *key)
        )
        cells[era] = (row, np.mean(b[s < 0] > 0), replicates["hit_rate"])
    recent, earlier = cells["2022 on"], cells["2000-2021"]
    d_hat = recent[1] - earlier[1]
    d_star = recent[2] - earlier[2]
    p = (1 + np.sum(np.abs(d_star - d_hat) >= abs(d_hat))) / (1 + d_star.size)
    assert recent[0]["previous_era"] == "2000-2021"
    assert recent[0]["hit_rate_diff"] == pytest.approx(d_hat, abs=1e-12)
    assert recent[0]["hit_rate_diff_p_value"] == pytest.approx(p, abs=1e-12)


def test_iid_intervals_and_verdict_wording(sample_warehouse):
    """Wilson and Fisher-z written out here; 'significantly' appears only when p < 0.05."""
    z = 1.96
    answer = rows(sample_warehouse, "select * from marts.hedge_answer")
    assert {r["era"] for r in answer} == {"full history", "1962-1999", "2000-2021", "2022 on"}
    for r in answer:
        n, k = r["stock_down_periods"], r["bond_up_when_stock_down"]
        if n:
            p = k / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
            assert r["hit_rate_wilson_low"] == pytest.approx(max(0.0, centre - half), abs=1e-12)
            assert r["hit_rate_wilson_high"] == pytest.approx(min(1.0, centre + half), abs=1e-12)
        if r["correlation"] is not None and abs(r["correlation"]) < 1:
            w = z / math.sqrt(r["periods"] - 3)
            assert r["correlation_fisher_low"] == pytest.approx(
                math.tanh(math.atanh(r["correlation"]) - w), abs=1e-12
            )
        says_significant = ", significantly" in r["verdict"]
        p_value = r["hit_rate_diff_p_value"]
        assert says_significant == (p_value is not None and p_value < 0.05), r["verdict"]
        if p_value is not None:
            # at the floor 1 / (B + 1) no replicate was as extreme: say "at most", not "equals"
            at_floor = p_value <= 1 / (r["resamples"] + 1) + 1e-12
            assert (f"p ≤ {p_value:.3f}, the floor" in r["verdict"]) == at_floor, r["verdict"]
            assert (f"p = {p_value:.3f}" in r["verdict"]) == (not at_floor), r["verdict"]
        assert f"{r['hit_rate'] * 100:.0f}%" in r["verdict"] if r["hit_rate"] is not None else True
    # the planted regimes: the 10y hedged in 2000-2021 and failed from 2022, monthly
    by_era = {
        r["era"]: r
        for r in answer
        if r["bond_asset_id"] == "ust_10y"
        and r["frequency"] == "monthly"
        and r["return_basis"] == "total"
    }
    assert by_era["2000-2021"]["correlation_ci_high"] < 0
    assert by_era["2022 on"]["hit_rate"] < by_era["2000-2021"]["hit_rate"]
    assert "significantly less often than in 2000-2021" in by_era["2022 on"]["verdict"]
    bases = {r["return_basis"] for r in answer}
    assert bases == {"total", "excess"}


def _ar1_pair(rng, n, phi, rho, burn=200):
    e = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n + burn)
    x = np.zeros(n + burn)
    y = np.zeros(n + burn)
    for t in range(1, n + burn):
        x[t] = phi * x[t - 1] + e[t, 0]
        y[t] = phi * y[t - 1] + e[t, 1]
    return x[burn:], y[burn:]


@pytest.mark.slow
def test_block_bootstrap_covers_on_ar1_where_iid_intervals_under_cover():
    """Bivariate Gaussian AR(1), phi = 0.8, innovation correlation 0.5 (so corr(x, y) = 0.5 and
    P(y > 0 | x < 0) = 1/2 - asin(0.5)/pi = 1/3): over 400 seeds the 95 % block-bootstrap
    intervals cover near their level; Wilson and Fisher-z, which assume independence, do not.

    Measured (docs/marts_answer.md, answer_bootstrap_coverage): 0.908 (hit rate) and 0.915
    (correlation) over these 400 seeds, not 0.95: the block bootstrap's standard deviation is
    about 5.5 % below the true one here whatever the block length. The bound below leaves about
    1.5 Monte Carlo standard errors (1.4 points at 400 seeds) under the measured figures.
    """
    module = bootstrap_module()
    phi, rho, n, seeds = 0.8, 0.5, 2000, 400
    true_hit = 0.5 - math.asin(rho) / math.pi
    z = 1.96
    covered = {"boot_hit": 0, "boot_corr": 0, "wilson": 0, "fisher": 0}
    for seed in range(seeds):
        x, y = _ar1_pair(np.random.default_rng(1000 + seed), n, phi, rho)
        estimates, _, reps = module.bootstrap_cell(x, y, 200, seed)
        low, high = module.percentile_interval(reps["hit_rate"])
        covered["boot_hit"] += low <= true_hit <= high
        low, high = module.percentile_interval(reps["correlation"])
        covered["boot_corr"] += low <= rho <= high
        down = x < 0
        m, p = int(down.sum()), float(np.mean(y[down] > 0))
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / (1 + z * z / m)
        covered["wilson"] += centre - half <= true_hit <= centre + half
        r = estimates["correlation"]
        w = z / math.sqrt(n - 3)
        covered["fisher"] += math.tanh(math.atanh(r) - w) <= rho <= math.tanh(math.atanh(r) + w)
    share = {k: v / seeds for k, v in covered.items()}
    assert share["boot_hit"] >= 0.89 and share["boot_corr"] >= 0.89, share
    assert share["wilson"] <= 0.72 and share["fisher"] <= 0.72, share
    assert share["boot_hit"] - share["wilson"] >= 0.15, share
    assert share["boot_corr"] - share["fisher"] >= 0.15, share


def test_politis_white_block_length_grows_with_dependence():
    """i.i.d. noise gets L = 1; AR(1) with phi = 0.5 and 0.9 get longer blocks, in that order."""
    module = bootstrap_module()
    rng = np.random.default_rng(3)
    noise = rng.standard_normal(4000)
    lengths = [module.politis_white_block_length(noise)]
    for phi in (0.5, 0.9):
        x = np.zeros(4000)
        for t in range(1, 4000):
            x[t] = phi * x[t - 1] + noise[t]
        lengths.append(module.politis_white_block_length(x))
    assert lengths[0] < 2.0
    assert lengths[0] < lengths[1] < lengths[2]
    # for AR(1) the rule's target is (2 phi / (1 - phi^2))^(2/3) n^(1/3): within a factor 2
    for phi, got in zip((0.5, 0.9), lengths[1:], strict=True):
        target = (2 * phi / (1 - phi * phi)) ** (2 / 3) * 4000 ** (1 / 3)
        assert target / 2 < got < target * 2, (phi, got, target)
