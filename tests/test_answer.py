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


def pair(warehouse, frequency, bond, start=None, end=None, dates=False):
    where = ""
    if start:
        where += f" and e.period_end >= date '{start}'"
    if end:
        where += f" and e.period_end <= date '{end}'"
    got = rows(
        warehouse,
        f"""
        select e.period_end as d, e.total_return as s, b.total_return as b
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
    s, b = np.round([r["s"] for r in got], 10), np.round([r["b"] for r in got], 10)
    return (s, b, np.array([r["d"] for r in got])) if dates else (s, b)


def resampled_part(dates):
    """An open era's resampled periods, written out: those before the calendar month of the
    last period."""
    last = dates[-1]
    return dates < type(last)(last.year, last.month, 1)


def loop_linearisation(s, b, estimates):
    """Per-period linearisation terms a_t of each smooth statistic and its denominator, so that
    theta_hat - theta ~ sum_t a_t / den (correlation on the Fisher-z scale), written out here."""
    n = s.size
    down, up = s < 0, s > 0
    out = {}
    out["hit_rate"] = (down * ((b > 0) - estimates["hit_rate"]), down.sum())
    mean_down = estimates["mean_bond_return_when_stock_down"]
    out["mean_bond_return_when_stock_down"] = (down * (b - mean_down), down.sum())
    offset = estimates["offset_ratio"]
    out["offset_ratio"] = (offset * down * (b / b[down].sum() - s / s[down].sum()), 1.0)
    u, v = (s - s.mean()) / s.std(), (b - b.mean()) / b.std()
    r = estimates["correlation"]
    out["correlation"] = ((u * v - r / 2 * (u * u + v * v)) / (n * (1 - r * r)), 1.0)
    for name, keep in (("beta", np.ones(n, bool)), ("downside_beta", down), ("upside_beta", up)):
        cs = np.where(keep, s - s[keep].mean(), 0.0)
        cb = np.where(keep, b - b[keep].mean(), 0.0)
        out[name] = (cs * (cb - estimates[name] * cs), np.sum(cs * cs))
    return out


def loop_long_run_variance(a):
    """Flat-top lag-window long-run variance (Politis & Romano 1995) with the Politis-White
    lag M, autocovariances by plain dot products."""
    n = a.size
    e = a - a.mean()
    k_n = max(5, math.ceil(math.sqrt(math.log10(n))))
    m_max = min(math.ceil(math.sqrt(n)) + k_n, n - 1)
    acov = np.array([e[: n - k] @ e[k:] / n for k in range(m_max + 1)])
    rho = np.abs(acov / acov[0])
    threshold = 2 * math.sqrt(math.log10(n) / n)
    runs = [m for m in range(m_max - k_n + 1) if (rho[m + 1 : m + 1 + k_n] < threshold).all()]
    m_hat = runs[0] if runs else max([k for k in range(1, m_max + 1) if rho[k] >= threshold] or [1])
    big_m = min(2 * max(m_hat, 1), m_max)
    lam = [1.0 if k / big_m <= 0.5 else 2 * (1 - k / big_m) for k in range(1, big_m + 1)]
    return acov[0] + 2 * sum(w * acov[k] for k, w in enumerate(lam, start=1))


SMOOTH = (
    "hit_rate",
    "mean_bond_return_when_stock_down",
    "offset_ratio",
    "correlation",
    "beta",
    "downside_beta",
    "upside_beta",
)


def loop_statistics(s, b):
    down, up = s < 0, s > 0
    return {
        "hit_rate": np.mean(b[down] > 0),
        "mean_bond_return_when_stock_down": np.mean(b[down]),
        "median_bond_return_when_stock_down": np.median(b[down]),
        "offset_ratio": np.mean(b[down]) / -np.mean(s[down]),
        "correlation": np.corrcoef(s, b)[0, 1],
        "beta": np.polyfit(s, b, 1)[0],
        "downside_beta": np.polyfit(s[down], b[down], 1)[0],
        "upside_beta": np.polyfit(s[up], b[up], 1)[0],
    }


def loop_replicates(module, stock, bond, block, resamples, seed):
    """Resample with a plain loop: each resample is its blocks' periods, concatenated.

    Returns the replicates of every statistic and, of the smooth ones, the studentized
    replicates t* = (theta* - theta_hat) / se*, se* from the resample's own block sums of the
    linearisation (correlation on the Fisher-z scale)."""
    n = stock.size
    estimates = loop_statistics(stock, bond)
    rng = np.random.default_rng(seed)
    out, studentized = [], []
    done = 0
    expected = n / block * 1.2 + 6.0 * math.sqrt(n / block) + 8
    chunk = max(1, min(resamples, int(module.CHUNK_CELLS // (len(module.SUM_TERMS) * expected))))
    scale = {name: (np.arctanh if name == "correlation" else float) for name in SMOOTH}
    while done < resamples:
        rows_ = min(chunk, resamples - done)
        starts, lengths = module.stationary_blocks(rng, n, block, rows_)
        for r in range(rows_):
            of_block = [
                k for k, length in enumerate(lengths[r]) for _ in range(length)
            ]  # the block of each resampled period
            idx = [
                (start + j) % n
                for start, length in zip(starts[r], lengths[r], strict=True)
                for j in range(length)
            ]
            assert len(idx) == n
            s, b = stock[idx], bond[idx]
            values = loop_statistics(s, b)
            out.append(values)
            t = {}
            for name, (a, den) in loop_linearisation(s, b, values).items():
                block_sums = np.bincount(of_block, weights=a)
                se = math.sqrt(np.sum(block_sums**2)) / abs(den)
                t[name] = (scale[name](values[name]) - scale[name](estimates[name])) / se
            studentized.append(t)
        done += rows_
    replicates = {k: np.array([o[k] for o in out]) for k in out[0]}
    t_star = {k: np.array([o[k] for o in studentized]) for k in SMOOTH}
    return replicates, t_star, loop_standard_errors(stock, bond, estimates), estimates


def loop_standard_errors(stock, bond, estimates):
    """The sample se of each smooth statistic: sqrt(n x long-run variance of a_t) / |den|."""
    return {
        name: math.sqrt(stock.size * loop_long_run_variance(a)) / abs(den)
        for name, (a, den) in loop_linearisation(stock, bond, estimates).items()
    }


def test_bootstrap_interval_and_era_p_value_match_an_independent_loop(sample_warehouse):
    """hedge_answer's monthly 10y intervals and its 2022-on p-value, recomputed by a loop.

    Both cells are of open eras: the loop resamples the periods before the last period's month
    and centres the interval on the estimate of all periods, scaled by their own se."""
    module = bootstrap_module()
    (full,) = rows(
        sample_warehouse,
        "select * from marts.hedge_answer where bond_asset_id = 'ust_10y' "
        "and frequency = 'monthly' and era = 'full history' and return_basis = 'total'",
    )
    stock, bond, dates = pair(sample_warehouse, "monthly", "ust_10y", dates=True)
    assert full["periods"] == stock.size
    keep = resampled_part(dates)
    assert full["resampled_periods"] == keep.sum() < stock.size
    assert full["resampled_through"] == dates[keep][-1]
    seed = module.cell_seed(20240229, "sp500", "ust_10y", "monthly", "full history", "total")
    reps, t_star, _, resampled = loop_replicates(
        module, stock[keep], bond[keep], full["block_length"], full["resamples"], seed
    )
    estimates = loop_statistics(stock, bond)
    se_hat = loop_standard_errors(stock, bond, estimates)
    # every bootstrapped statistic of the answer (issue 10 item 1), each from its own formula:
    # the median's percentile interval (replicates moved by the estimate's change since the
    # resampled periods), the others' symmetric studentized interval
    assert set(reps) == set(module.STATISTICS)
    name = "median_bond_return_when_stock_down"
    moved = reps[name] + (estimates[name] - resampled[name])
    low, high = np.quantile(moved, [0.025, 0.975])
    assert full[f"{name}_ci_low"] == pytest.approx(low, abs=1e-12)
    assert full[f"{name}_ci_high"] == pytest.approx(high, abs=1e-12)
    for name in SMOOTH:
        half = np.quantile(np.abs(t_star[name]), 0.95) * se_hat[name]
        if name == "correlation":
            z = np.arctanh(estimates[name])
            low, high = math.tanh(z - half), math.tanh(z + half)
        else:
            low, high = estimates[name] - half, estimates[name] + half
        if name == "hit_rate":
            low, high = max(low, 0.0), min(high, 1.0)
        assert full[name] == pytest.approx(estimates[name], abs=1e-12), name
        assert full[f"{name}_ci_low"] == pytest.approx(low, abs=1e-10), name
        assert full[f"{name}_ci_high"] == pytest.approx(high, abs=1e-10), name
        # each interval holds its estimate
        assert full[f"{name}_ci_low"] < full[name] < full[f"{name}_ci_high"], name

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
        s, b, d = pair(sample_warehouse, "monthly", "ust_10y", start, end, dates=True)
        # the closed era resamples all its periods
        keep = resampled_part(d) if end is None else np.ones(s.size, bool)
        assert row["resampled_periods"] == keep.sum()
        key = ("sp500", "ust_10y", "monthly", era, "total")
        replicates = loop_replicates(
            module,
            s[keep],
            b[keep],
            row["block_length"],
            row["resamples"],
            module.cell_seed(20240229, *key),
        )[0]
        hit = np.mean(b[s < 0] > 0)
        cells[era] = (row, hit, np.mean(b[keep][s[keep] < 0] > 0), replicates["hit_rate"])
    recent, earlier = cells["2022 on"], cells["2000-2021"]
    d_hat = recent[1] - earlier[1]
    d_star = recent[3] - earlier[3]
    centre = recent[2] - earlier[2]
    p = (1 + np.sum(np.abs(d_star - centre) >= abs(d_hat))) / (1 + d_star.size)
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


def test_price_only_equity_periods_are_counted_and_said(sample_warehouse):
    """equity_price_only_periods recounted here from marts.asset_returns (the cell's paired
    periods whose equity row is price only); the verdict says so exactly when it is above 0."""
    answer = rows(sample_warehouse, "select * from marts.hedge_answer")
    returns = rows(
        sample_warehouse,
        """
        select asset_id, frequency, period_end, return_basis, total_return, excess_return
        from marts.asset_returns where is_complete_period
        """,
    )
    by_key = {(r["asset_id"], r["frequency"], r["period_end"]): r for r in returns}
    series: dict[tuple, list] = {}
    for r in returns:
        series.setdefault((r["asset_id"], r["frequency"]), []).append(r)
    for cell in answer:
        column = "excess_return" if cell["return_basis"] == "excess" else "total_return"
        paired = price_only = 0
        for e in series[(cell["equity_asset_id"], cell["frequency"])]:
            end = e["period_end"]
            if not cell["first_period_end"] <= end <= cell["last_period_end"]:
                continue
            b = by_key.get((cell["bond_asset_id"], cell["frequency"], end))
            usable = (
                b is not None
                and e["total_return"] is not None
                and not math.isnan(e["total_return"])
                and b[column] is not None
                and not math.isnan(b[column])
            )
            paired += usable
            price_only += usable and e["return_basis"] == "price_only"
        assert cell["periods"] == paired, cell["verdict"]
        assert cell["equity_price_only_periods"] == price_only, cell["verdict"]
        said = f"are price only (no dividend input) in {price_only} of these" in cell["verdict"]
        assert said == (price_only > 0), cell["verdict"]
    # the sample lands FRED-MD: the monthly S&P 500 is total return in every era
    monthly = [c for c in answer if c["frequency"] == "monthly"]
    assert monthly and all(c["equity_price_only_periods"] == 0 for c in monthly)


def _ar1_pair(rng, n, phi, rho, burn=200):
    e = rng.multivariate_normal([0.0, 0.0], [[1.0, rho], [rho, 1.0]], size=n + burn)
    x = np.zeros(n + burn)
    y = np.zeros(n + burn)
    for t in range(1, n + burn):
        x[t] = phi * x[t - 1] + e[t, 0]
        y[t] = phi * y[t - 1] + e[t, 1]
    return x[burn:], y[burn:]


def ar1_truth(phi, rho):
    """The statistics' true values for `_ar1_pair`: E(y | x) = rho x with equal variances, so
    every slope is rho and the offset ratio -rho; P(y > 0 | x < 0) = 1/2 - asin(rho) / pi."""
    sd = 1 / math.sqrt(1 - phi * phi)
    return {
        "hit_rate": 0.5 - math.asin(rho) / math.pi,
        "mean_bond_return_when_stock_down": -rho * sd * math.sqrt(2 / math.pi),
        "offset_ratio": -rho,
        "correlation": rho,
        "beta": rho,
        "downside_beta": rho,
        "upside_beta": rho,
    }


def _ar1_coverage(module, phi, rho, n, seeds, resamples=200):
    """Shares of seeds whose 95 % intervals cover the truth: studentized ('t:' + statistic),
    percentile ('pct:' + statistic), Wilson (hit rate) and Fisher-z (correlation)."""
    truth = ar1_truth(phi, rho)
    z = 1.96
    covered = dict.fromkeys([f"t:{k}" for k in truth] + [f"pct:{k}" for k in truth], 0)
    covered |= {"wilson": 0, "fisher": 0}
    for seed in range(seeds):
        x, y = _ar1_pair(np.random.default_rng(1000 + seed), n, phi, rho)
        estimates, _, reps, studentized = module.bootstrap_cell(x, y, resamples, seed)
        for name, value in truth.items():
            low, high = module.cell_interval(name, estimates[name], reps, studentized)
            covered[f"t:{name}"] += low is not None and low <= value <= high
            low, high = module.percentile_interval(reps[name])
            covered[f"pct:{name}"] += low <= value <= high
        down = x < 0
        m, p = int(down.sum()), float(np.mean(y[down] > 0))
        centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        half = z * math.sqrt(p * (1 - p) / m + z * z / (4 * m * m)) / (1 + z * z / m)
        covered["wilson"] += centre - half <= truth["hit_rate"] <= centre + half
        r = estimates["correlation"]
        w = z / math.sqrt(n - 3)
        covered["fisher"] += math.tanh(math.atanh(r) - w) <= rho <= math.tanh(math.atanh(r) + w)
    return {k: v / seeds for k, v in covered.items()}


#: studentized-interval coverage measured on seeds 0-399 of `_ar1_coverage` (phi 0.8, B = 200);
#: the percentile intervals on the same seeds: 0.9075 0.8975 0.8925 0.915 0.9125 0.9025 0.92
MEASURED_PHI_08 = {
    "hit_rate": 0.9275,
    "mean_bond_return_when_stock_down": 0.935,
    "offset_ratio": 0.925,
    "correlation": 0.9425,
    "beta": 0.945,
    "downside_beta": 0.9325,
    "upside_beta": 0.955,
}


@pytest.mark.slow
def test_block_bootstrap_covers_on_ar1_where_iid_intervals_under_cover():
    """Bivariate Gaussian AR(1), phi = 0.8, innovation correlation 0.5 (so corr(x, y) = 0.5,
    every slope 0.5 and P(y > 0 | x < 0) = 1/2 - asin(0.5)/pi = 1/3): over 400 seeds the 95 %
    studentized block-bootstrap intervals of the seven smooth statistics cover near 95 %;
    the percentile intervals they replaced cover about 91 %, and Wilson and Fisher-z, which
    assume independence, about 60-67 %.

    Measured on these seeds: MEASURED_PHI_08 (docs/marts_answer.md, answer_bootstrap_coverage,
    has 2 000 seeds: 0.938-0.958). Each bound is about 1.5 Monte Carlo standard errors
    (1.6 points at 400 seeds) under its measured figure; the upper bound catches intervals
    grown too wide.
    """
    module = bootstrap_module()
    share = _ar1_coverage(module, phi=0.8, rho=0.5, n=2000, seeds=400)
    measured = MEASURED_PHI_08
    for name, level in measured.items():
        assert level - 0.016 <= share[f"t:{name}"] <= 0.975, (name, share)
        assert share[f"t:{name}"] > share[f"pct:{name}"], (name, share)
    assert share["wilson"] <= 0.72 and share["fisher"] <= 0.72, share
    assert share["t:hit_rate"] - share["wilson"] >= 0.15, share
    assert share["t:correlation"] - share["fisher"] >= 0.15, share


@pytest.mark.slow
def test_resamples_a_month_old_cover_like_resamples_of_every_period():
    """An open era's interval: the estimate and se of all n periods, q from resamples of the
    first n - 21 (a month of business days not yet resampled). On the AR(1) pairs above (400
    seeds, n = 2000) it covers the truth as the interval resampling every period does, seed
    for seed on the same data, and is as wide.

    Measured on these seeds: every statistic within 0.006 of the full resampling's coverage
    (0.922-0.958 vs 0.925-0.955), median width ratio 0.990-1.020. A bound of 0.02 (about 1.5
    Monte Carlo standard errors of a difference of two coverages) catches a q or se taken from
    the wrong sample, which moves coverage by several points."""
    module = bootstrap_module()
    phi, rho, n, seeds, lag = 0.8, 0.5, 2000, 400, 21
    truth = ar1_truth(phi, rho)
    covered = {k: [0, 0] for k in truth}
    widths = {k: [] for k in truth}
    days = np.datetime64("2000-01-03") + np.arange(n - lag)
    for seed in range(seeds):
        x, y = _ar1_pair(np.random.default_rng(1000 + seed), n, phi, rho)
        estimates, _, reps, studentized = module.bootstrap_cell(x, y, 200, seed)
        older = module.Resampled.draw(days, x[: n - lag], y[: n - lag], 200, seed, 3)
        se = module.sample_standard_errors(x, y, estimates)
        for name, value in truth.items():
            low, high = module.cell_interval(name, estimates[name], reps, studentized)
            low2, high2 = older.interval(name, estimates[name], se[name])
            covered[name][0] += low is not None and low <= value <= high
            covered[name][1] += low2 is not None and low2 <= value <= high2
            if low is not None and low2 is not None:
                widths[name].append((high2 - low2) / (high - low))
    for name, (every, month_old) in covered.items():
        assert abs(every - month_old) / seeds <= 0.02, (name, every, month_old)
        assert 0.95 <= np.median(widths[name]) <= 1.05, name


def test_degenerate_resamples_fall_back_to_the_percentile_interval():
    """A bill-like bond that rose in 17 of 20 down periods: many resamples see a gain in every
    down period, so their hit rate 1 has se* = 0 and no t*. The hit rate then gets the
    percentile interval of its replicates (was: no interval at all), and it holds the estimate."""
    module = bootstrap_module()
    rng = np.random.default_rng(7)
    n = 54
    stock = rng.normal(size=n)
    down = np.flatnonzero(stock < 0)[:20]
    stock[np.setdiff1d(np.arange(n), down)] = np.abs(stock[np.setdiff1d(np.arange(n), down)])
    bond = np.abs(rng.normal(size=n)) * 0.01
    bond[down[:3]] *= -1  # 3 of the 20 down periods lose
    estimates, _, reps, studentized = module.bootstrap_cell(stock, bond, 200, 11)
    assert estimates["hit_rate"] == pytest.approx(17 / 20)
    se_hat, t_star = studentized["hit_rate"]
    undefined = np.mean(~np.isfinite(t_star))
    assert undefined > 0.05  # the case this test is about
    assert module.studentized_interval("hit_rate", estimates["hit_rate"], se_hat, t_star) == (
        None,
        None,
    )
    low, high = module.cell_interval("hit_rate", estimates["hit_rate"], reps, studentized)
    assert (low, high) == module.percentile_interval(reps["hit_rate"])
    assert low <= estimates["hit_rate"] <= high
    # a well-behaved statistic of the same cell keeps its studentized interval
    assert module.cell_interval("correlation", estimates["correlation"], reps, studentized) == (
        module.studentized_interval(
            "correlation", estimates["correlation"], *studentized["correlation"]
        )
    )


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


def test_flat_top_autocovariances_equal_direct_lagged_sums():
    """The FFT (zero-padded to a power of two) gives the autocovariances R(k) = sum_t e_t e_t+k
    / n of direct lagged dot products, for lengths whose 2n has large prime factors too."""
    module = bootstrap_module()
    rng = np.random.default_rng(11)
    for n in (9, 97, 1009, 5003):
        x = np.cumsum(rng.standard_normal(n)) * 0.01 + rng.standard_normal(n)
        acov, big_m = module._flat_top(x)
        e = x - x.mean()
        direct = np.array([e[: n - k] @ e[k:] / n for k in range(big_m + 1)])
        np.testing.assert_allclose(acov, direct, rtol=1e-10, atol=1e-14 * (e @ e) / n)
