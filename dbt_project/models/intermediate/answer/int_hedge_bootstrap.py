"""Stationary block bootstrap of the headline hedge statistics, per equity x bond x frequency
x era x return basis, and bootstrap tests of the difference between consecutive eras.

Why a bootstrap, and why this one: daily and weekly returns are not independent (volatility
clusters, and the stock-bond correlation drifts), so i.i.d. intervals (Wilson, Fisher-z) are
too narrow. The stationary bootstrap (Politis & Romano 1994) resamples blocks of consecutive
periods with geometric lengths of mean L, which keeps the dependence within a block and
yields a stationary resampled series. L is chosen per cell by the Politis & White (2004)
automatic rule with the Patton, Politis & White (2009) correction, implemented below
(`politis_white_block_length`; the `arch` package is not a dependency): the largest of the
rules' values for the equity return, the bond return and their centred product (what drives
the correlation's variance), clamped to [1, min(3 sqrt(n), n / 3)].

Reproducibility: each cell has its own numpy PCG64 stream seeded with
crc32("<bootstrap_seed>|<equity>|<bond>|<frequency>|<era>|<basis>"); resamples are drawn in
chunks of `CHUNK` rows, each chunk drawing first a (rows, n) uniform array (a new block starts
where u < 1 / L, and always at t = 0) and then a (rows, n) array of block starts
(integers in [0, n)).

Intervals: symmetric studentized (bootstrap-t) block-bootstrap intervals for the smooth
statistics (STUDENTIZED: all but the median), the percentile interval (numpy's default linear
quantile of the finite replicates) for the median. Replicate b is studentized by its own
block-based standard error, t*_b = (theta*_b - theta_hat) / se*_b with se*_b^2 = sum_j a_j^2 /
den^2 over the resample's blocks j, a_j the block sum of the statistic's linearisation at the
resample's means (`linear_terms`; Goetze & Kuensch 1996, Lahiri 2003): the a_j are linear in the
blocks' SUM_TERMS sums and lengths, so sum_j a_j^2 = c' G c with G the per-resample Gram matrix
of those block sums. The sample's se_hat is sqrt(n x flat-top lag-window long-run variance of the
per-period linearisation) / den (Politis & Romano 1995; `long_run_variance`). Interval:
theta_hat -/+ q se_hat, q the 0.95 quantile of |t*| (Hall 1988's symmetric bootstrap-t); the
correlation on the Fisher-z scale (mapped back by tanh), the hit rate clipped to [0, 1]; the
percentile interval when se_hat is undefined or more than 5 % of the t* are (resamples with a
zero se, e.g. every resampled down period a bond gain). On AR(1) pairs with phi = 0.8 these cover
0.938-0.958 where the percentile intervals covered 0.909-0.925 (docs: answer_bootstrap_coverage).
When more than 5 % of replicates (or t*) are undefined (e.g. no down period in a resample) the
interval is null.

Era test: eras that do not overlap are resampled independently, so replicate b of the
difference is theta*_b(era) - theta*_b(previous era); the two-sided p-value is
(1 + #{|d*_b - d_res| >= |d_hat|}) / (1 + B), d_res the difference of the resampled estimates
(the replicates centred on it approximate the null distribution; d_res = d_hat when both eras
resampled all their periods). The previous era of an era is the last era listed before
it that ends before it starts (the full history has none).

Parameters (dbt vars, passed in through the model's config in _int_answer.yml):
`bootstrap_resamples` (B), `bootstrap_seed`, `answer_eras`, `answer_equity_assets`,
`scorecard_min_periods`.

Open eras are resampled once a month (`resampled_mask`): a cell of an era with no end, or one
ending after the data, resamples its periods through the end of the calendar month before its
last period; a closed era resamples all of them. The estimates and the sample se are computed
from every period on every build, so the interval is this build's theta_hat -/+ q se_hat with q
from the resamples (the distribution of the studentized statistic, which a month of periods
hardly moves); the percentile intervals move the replicates by the estimate's change since the
resampled periods, and the era test centres the replicates' differences on the difference of the
resampled estimates and compares them with this build's difference.

Reuse (incremental builds): a cell's resamples are a function of its resampled input alone (its
own seeded stream), so each row stores `input_fingerprint`, a SHA-256 of everything they depend
on (`cell_fingerprint`: the resampled periods' dates and returns, B, the seed, min periods, the
era's bounds, MODEL_VERSION and numpy's version; returns rounded to RETURN_DECIMALS, so that the
last-bit noise of DuckDB's parallel sums upstream does not change it), with what later builds
need of them (`Resampled`: the resampled estimates, the quantiles of |t*|, every replicate). A
build reuses the stored resamples of every cell whose fingerprint is unchanged (`reused` = true)
and draws the others; `--full-refresh` draws every cell. The table is replaced as a whole each
build (incremental strategy `replace_all`, macros/incremental.sql): cells that no longer exist
disappear.
"""

from __future__ import annotations

import hashlib
import json
import math
import zlib
from datetime import date

import numpy as np

from dbt_project.python import model_io

STATISTICS = (
    "hit_rate",
    "mean_bond_return_when_stock_down",
    "median_bond_return_when_stock_down",
    "offset_ratio",
    "correlation",
    "beta",
    "downside_beta",
    "upside_beta",
)
#: statistics whose difference between eras is tested
TESTED = ("hit_rate", "mean_bond_return_when_stock_down", "correlation")
CHUNK_CELLS = 3_000_000  # resamples x blocks x terms gathered at once (bounds memory)
MAX_UNDEFINED_SHARE = 0.05
FREQUENCIES = ("daily", "weekly", "monthly")
#: bump whenever a change to this file changes any output value: every stored row is then
#: recomputed (the fingerprint includes it)
MODEL_VERSION = "5"
#: returns are rounded to this many decimals before use: DuckDB's parallel sums make the last
#: bit of a few weekly / monthly returns vary between builds of the same data (~1e-16), which
#: would change the input fingerprint; 1e-10 is far below the data's precision
RETURN_DECIMALS = 10
KEY_COLUMNS = ("equity_asset_id", "bond_asset_id", "frequency", "era", "return_basis")


# ------------------------------------------------------------------------------------------
# block length


def _flat_top(x):
    """(autocovariances R(0..M), M) of x for the flat-top lag window (Politis & White 2004).

    m_hat is the smallest lag after which K_n = max(5, sqrt(log10 n)) autocorrelations in a row
    are insignificant (|rho| < 2 sqrt(log10 n / n)); M = min(2 max(m_hat, 1), m_max) with
    m_max = ceil(sqrt n) + K_n. None when x is too short or constant.
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    if n < 8:
        return None
    e = x - x.mean()
    r0 = e @ e / n
    if r0 <= 0:
        return None
    k_n = max(5, math.ceil(math.sqrt(math.log10(n))))
    m_max = math.ceil(math.sqrt(n)) + k_n
    m_max = min(m_max, n - 1)
    # autocovariances R(0..m_max) by FFT (one pass; BLAS dot products per lag were slower),
    # zero-padded to a power of two: any length >= 2n - 1 gives the same (linear) sums, and
    # pocketfft is ~5x slower on lengths with large prime factors (most 2n)
    size = 1 << (2 * n - 2).bit_length()
    spectrum = np.fft.rfft(e, size)
    acov = np.fft.irfft(spectrum * np.conj(spectrum), size)[: m_max + 1] / n
    rho = np.abs(acov / r0)
    threshold = 2.0 * math.sqrt(math.log10(n) / n)
    # runs[m] counts the insignificant lags among m + 1, ..., m + K_n (m = 0 .. m_max - K_n)
    count = np.concatenate([[0], np.cumsum(rho[1:] < threshold)])
    runs = np.flatnonzero(count[k_n:] - count[:-k_n] == k_n)
    if runs.size:
        m_hat = int(runs[0])
    else:  # no run of insignificant lags: use the last significant one
        significant = np.nonzero(rho[1:] >= threshold)[0]
        m_hat = int(significant[-1]) + 1 if significant.size else 1
    big_m = min(2 * max(m_hat, 1), m_max)
    acov[0] = r0  # the direct sum (the FFT's R(0) differs in the last bits)
    return acov[: big_m + 1], big_m


def _flat_top_weights(big_m):
    t = np.arange(1, big_m + 1) / big_m
    return np.where(t <= 0.5, 1.0, 2.0 * (1.0 - t))


def politis_white_block_length(x) -> float:
    """Politis-White (2004; corrected 2009) optimal mean block length of the stationary bootstrap.

    With the flat-top kernel lambda and M of `_flat_top`, G = sum 2 lambda(k/M) k R(k),
    g0 = R(0) + sum 2 lambda(k/M) R(k), b = (2 G^2 / (2 g0^2))^(1/3) n^(1/3), clamped to
    [1, min(3 sqrt n, n / 3)].
    """
    x = np.asarray(x, dtype=float)
    n = x.size
    fitted = _flat_top(x)
    if fitted is None:
        return 1.0
    acov, big_m = fitted
    k = np.arange(1, big_m + 1)
    lam = _flat_top_weights(big_m)
    g = np.sum(2.0 * lam * k * acov[1:])
    g0 = acov[0] + np.sum(2.0 * lam * acov[1:])
    b_max = math.ceil(min(3.0 * math.sqrt(n), n / 3.0))
    if g0 <= 0 or g == 0:
        return 1.0
    b = (2.0 * g * g / (2.0 * g0 * g0)) ** (1.0 / 3.0) * n ** (1.0 / 3.0)
    return float(min(max(b, 1.0), b_max))


def long_run_variance(a) -> float:
    """Flat-top lag-window estimate of sum_k Cov(a_t, a_t+k) (Politis & Romano 1995), the M
    of `_flat_top`; nan when it is not positive (the flat-top window is not positive definite)."""
    fitted = _flat_top(a)
    if fitted is None:
        return math.nan
    acov, big_m = fitted
    value = float(acov[0] + np.sum(2.0 * _flat_top_weights(big_m) * acov[1:]))
    return value if value > 0 else math.nan


def cell_block_length(stock, bond) -> float:
    """The block length of a cell: the largest Politis-White length of its three series."""
    product = (stock - stock.mean()) * (bond - bond.mean())
    return max(politis_white_block_length(v) for v in (stock, bond, product))


# ------------------------------------------------------------------------------------------
# resampling and statistics


def cell_seed(seed: int, *key: str) -> int:
    return zlib.crc32("|".join([str(seed), *key]).encode())


def stationary_blocks(rng: np.random.Generator, n: int, block: float, rows: int):
    """Blocks of ``rows`` stationary-bootstrap resamples of a length-``n`` series.

    Returns (starts, lengths), each (rows, k): block j of resample r covers the circular
    positions starts[r, j], ..., starts[r, j] + lengths[r, j] - 1 (mod n); a resample is its
    blocks in order, truncated to n values (later blocks get length 0). Lengths are
    geometric with mean ``block`` (a new block starts after each value with probability
    1 / block), starts uniform on [0, n): Politis & Romano's stationary bootstrap.
    """
    p = 1.0 / block
    k = int(math.ceil(n * p * 1.2 + 6.0 * math.sqrt(n * p) + 8))
    lengths = rng.geometric(p, size=(rows, k))
    starts = rng.integers(0, n, size=(rows, k))
    while lengths.sum(axis=1).min() < n:  # rare: draw more blocks for every row
        lengths = np.concatenate([lengths, rng.geometric(p, size=(rows, k))], axis=1)
        starts = np.concatenate([starts, rng.integers(0, n, size=(rows, k))], axis=1)
    before = np.cumsum(lengths, axis=1) - lengths
    return starts, np.clip(n - before, 0, lengths)


#: the per-period terms whose sums over a resample give every statistic but the median
SUM_TERMS = (
    "n_down",
    "n_up",
    "hits",
    "down_bond",
    "down_stock",
    "s",
    "b",
    "ss",
    "bb",
    "sb",
    "down_s",
    "down_b",
    "down_ss",
    "down_sb",
    "up_s",
    "up_b",
    "up_ss",
    "up_sb",
)


def _terms(stock, bond):
    """Per-period terms (len(SUM_TERMS), n); moments use centred returns (less cancellation)."""
    down = (stock < 0).astype(float)
    up = (stock > 0).astype(float)
    sc = stock - stock.mean()
    bc = bond - bond.mean()
    return np.stack(
        [
            down,
            up,
            down * (bond > 0),
            down * bond,
            down * stock,
            sc,
            bc,
            sc * sc,
            bc * bc,
            sc * bc,
            down * sc,
            down * bc,
            down * sc * sc,
            down * sc * bc,
            up * sc,
            up * bc,
            up * sc * sc,
            up * sc * bc,
        ]
    )


def statistics_from_sums(sums, n, tol, min_periods: int = 3) -> dict[str, np.ndarray]:
    """Every statistic but the median from the SUM_TERMS sums (see `statistics`)."""
    t = dict(zip(SUM_TERMS, sums, strict=True))
    with np.errstate(invalid="ignore", divide="ignore"):
        n_down, n_up = t["n_down"], t["n_up"]
        hit_rate = np.where(n_down > 0, t["hits"] / n_down, np.nan)
        mean_bond_down = t["down_bond"] / n_down
        mean_stock_down = t["down_stock"] / n_down
        offset = mean_bond_down / -mean_stock_down
        vs = t["ss"] - t["s"] ** 2 / n
        vb = t["bb"] - t["b"] ** 2 / n
        cov = t["sb"] - t["s"] * t["b"] / n
        enough = n >= min_periods
        corr = np.where(
            enough & (vs > tol[0] * n) & (vb > tol[1] * n),
            np.clip(cov / np.sqrt(vs * vb), -1.0, 1.0),
            np.nan,
        )
        beta = np.where(enough & (vs > tol[0] * n), cov / vs, np.nan)
        slopes = []
        for side, count in (("down", n_down), ("up", n_up)):
            var = t[f"{side}_ss"] - t[f"{side}_s"] ** 2 / count
            cv = t[f"{side}_sb"] - t[f"{side}_s"] * t[f"{side}_b"] / count
            ok = (count >= min_periods) & (var > tol[0] * count)
            slopes.append(np.where(ok, cv / var, np.nan))
    return {
        "hit_rate": hit_rate,
        "mean_bond_return_when_stock_down": mean_bond_down,
        "offset_ratio": offset,
        "correlation": corr,
        "beta": beta,
        "downside_beta": slopes[0],
        "upside_beta": slopes[1],
    }


def statistics(stock, bond, min_periods: int = 3) -> dict[str, float]:
    """Every statistic of STATISTICS for one sample.

    Same definitions as hedge_scorecard: down = equity return < 0, hit = bond return > 0 in a
    down period; beta / downside / upside beta = OLS slope of bond on equity over all / down
    (equity < 0) / up (equity > 0) periods; offset ratio = mean bond return in down periods /
    minus the mean equity return in them (the share of the equity loss the bond made back).
    """
    stock = np.asarray(stock, dtype=float)
    bond = np.asarray(bond, dtype=float)
    sums = _terms(stock, bond).sum(axis=1)
    out = statistics_from_sums(sums, stock.size, _tolerance(stock, bond), min_periods)
    picked = bond[stock < 0]
    out["median_bond_return_when_stock_down"] = np.median(picked) if picked.size else np.nan
    return {k: float(out[k]) for k in STATISTICS}


def _tolerance(stock, bond):
    """Variance below this (per period) counts as zero: a constant series has no correlation."""
    return (
        1e-12 * float(np.mean(stock * stock)) + 1e-300,
        1e-12 * float(np.mean(bond * bond)) + 1e-300,
    )


#: statistics with a studentized interval (smooth functions of means); the median keeps the
#: percentile interval
STUDENTIZED = tuple(s for s in STATISTICS if s != "median_bond_return_when_stock_down")


def _scale(name, value):
    """The scale a statistic is studentized on: Fisher z for the correlation, else its own."""
    if name == "correlation":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.arctanh(value)
    return value


def _unscale(name, value):
    return math.tanh(value) if name == "correlation" else value


#: row of `linear_terms`' coefficients that multiplies a block's length (its count of periods)
LENGTH = len(SUM_TERMS)


def linear_terms(sums, n, values):
    """The linearisation of each STUDENTIZED statistic as coefficients on block sums.

    ``sums``: (len(SUM_TERMS), ...) the SUM_TERMS summed over a resample (or the sample);
    ``values``: its statistics (`statistics_from_sums`). Returns {statistic: (c, den)}, c of
    shape (..., len(SUM_TERMS) + 1): for a block j with SUM_TERMS sums S_j and length L_j,
    a_j = c . (S_j, L_j) is the block sum of the statistic's influence (times den), so that
    theta* - theta_hat ~ sum_j a_j / den, and se^2 = sum_j a_j^2 / den^2 (the a_j of a
    resample sum to 0). Hit rate and mean bond return in down periods: ratios of sums,
    a_j = S_j(numerator) - theta S_j(n_down); offset ratio: theta times the log-ratio's
    influence; correlation: Fisher z of the standardised cross product, a_j = (csb_j /
    sqrt(vs vb) - r / 2 (css_j / vs + cbb_j / vb)) / (1 - r^2) with csb_j, css_j, cbb_j the
    block's cross products and squares centred at the resample's means; betas: OLS slope over
    all / down / up periods, a_j = csb_j - beta css_j, den = the centred sum of squares.
    """
    t = dict(zip(SUM_TERMS, sums, strict=True))
    i = {name: k for k, name in enumerate(SUM_TERMS)}
    shape = np.shape(t["n_down"])
    out = {}

    def coefficients(**by_term):
        c = np.zeros((*shape, LENGTH + 1))
        for name, value in by_term.items():
            c[..., LENGTH if name == "length" else i[name]] = value
        return c

    with np.errstate(invalid="ignore", divide="ignore"):
        for name, numerator in (
            ("hit_rate", "hits"),
            ("mean_bond_return_when_stock_down", "down_bond"),
        ):
            c = coefficients(**{numerator: 1.0, "n_down": -values[name]})
            out[name] = (c, t["n_down"])
        theta = values["offset_ratio"]
        c = coefficients(down_bond=theta / t["down_bond"], down_stock=-theta / t["down_stock"])
        out["offset_ratio"] = (c, np.ones(shape))
        ms, mb = t["s"] / n, t["b"] / n
        vs, vb = t["ss"] - t["s"] * ms, t["bb"] - t["b"] * mb
        r = values["correlation"]
        k1 = 1.0 / (np.sqrt(vs * vb) * (1 - r * r))
        k2 = r / (2 * vs * (1 - r * r))
        k3 = r / (2 * vb * (1 - r * r))
        c = coefficients(
            sb=k1,
            ss=-k2,
            bb=-k3,
            s=-k1 * mb + 2 * k2 * ms,
            b=-k1 * ms + 2 * k3 * mb,
            length=k1 * ms * mb - k2 * ms * ms - k3 * mb * mb,
        )
        out["correlation"] = (c, np.ones(shape))
        for name, side, count in (
            ("beta", "", n),
            ("downside_beta", "down_", t["n_down"]),
            ("upside_beta", "up_", t["n_up"]),
        ):
            s1, b1 = t[f"{side}s"] / count, t[f"{side}b"] / count
            slope = values[name]
            c = coefficients(
                **{
                    f"{side}sb": 1.0,
                    f"{side}ss": -slope,
                    f"{side}s": -b1 + 2 * slope * s1,
                    f"{side}b": -s1,
                    **({f"n_{side[:-1]}": s1 * b1 - slope * s1 * s1} if side else {}),
                    **({} if side else {"length": s1 * b1 - slope * s1 * s1}),
                }
            )
            out[name] = (c, t[f"{side}ss"] - t[f"{side}s"] * s1)
    return out


def standard_errors(gram, linear):
    """se of every STUDENTIZED statistic of a chunk of resamples: sqrt(c' G c) / |den|, G the
    (rows, m, m) Gram matrices of the blocks' (SUM_TERMS sums, length) over each resample."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            name: np.sqrt(np.maximum(np.einsum("ri,rij,rj->r", c, gram, c), 0.0)) / np.abs(den)
            for name, (c, den) in linear.items()
        }


def sample_standard_errors(stock, bond, estimates):
    """se of every STUDENTIZED statistic on the sample: sqrt(n x the flat-top long-run
    variance of its per-period linearisation a_t = c . (terms_t, 1)) / |den|."""
    n = stock.size
    terms = np.vstack([_terms(stock, bond), np.ones((1, n))])
    values = {k: np.asarray(estimates[k]) for k in STUDENTIZED}
    out = {}
    with np.errstate(invalid="ignore", divide="ignore"):
        for name, (c, den) in linear_terms(terms[:LENGTH].sum(axis=1), n, values).items():
            a = c @ terms
            lrv = long_run_variance(a) if np.all(np.isfinite(a)) else math.nan
            out[name] = float(math.sqrt(n * lrv) / abs(den)) if math.isfinite(lrv) else math.nan
    return out


MEDIAN_BIN = 40  # down periods per bin when locating a resample's median


class MedianIndex:
    """Exact median bond return over the down periods of resamples (equal to np.median).

    A resample is the original periods with multiplicities (how many of its blocks cover
    each). The down periods, sorted by bond return, are cut into bins of MEDIAN_BIN; block
    sums of per-bin prefix counts (built once per cell) give each resample's count per bin,
    which locates the bin holding the middle rank(s); inside it the multiplicities of its few
    periods are counted block by block. When blocks are short (many per resample) a
    difference array over the doubled index gives every multiplicity directly instead.
    """

    def __init__(self, stock, bond):
        self.n = stock.size
        down = np.flatnonzero(stock < 0)
        self.order = down[np.argsort(bond[down], kind="stable")]
        self.values = bond[self.order]
        self.n_bins = -(-self.order.size // MEDIAN_BIN)
        self.prefix = None

    def _bin_prefix(self):
        if self.prefix is None:
            n = self.n
            bin_of = np.full(n, -1)
            bin_of[self.order] = np.arange(self.order.size) // MEDIAN_BIN
            doubled = np.concatenate([bin_of, bin_of])
            hit = np.flatnonzero(doubled >= 0)
            onehot = np.zeros((self.n_bins, 2 * n + 1), dtype=np.int32)
            onehot[doubled[hit], hit + 1] = 1
            self.prefix = np.cumsum(onehot, axis=1, dtype=np.int32)
        return self.prefix

    def medians(self, starts, lengths):
        rows, k = starts.shape
        if self.order.size == 0:
            return np.full(rows, np.nan)
        # element operations of each route (see above): take the cheaper one
        binned = 2 * self.n_bins * rows * k + 10 * rows * MEDIAN_BIN * k
        direct = 3 * rows * 2 * self.n + 3 * rows * self.order.size
        if direct <= binned:
            multiplicity = _multiplicities(self.n, starts, lengths)[:, self.order]
            return _median_from_counts(self.values, multiplicity)
        prefix = self._bin_prefix()
        counts = (prefix[:, starts + lengths] - prefix[:, starts]).sum(axis=-1).T
        cumulative = np.cumsum(counts, axis=1)
        total = cumulative[:, -1]
        result = np.zeros(rows)
        every = np.arange(rows)
        for rank in ((total - 1) // 2, total // 2):
            b = np.minimum((cumulative <= rank[:, None]).sum(axis=1), self.n_bins - 1)
            before = np.where(b > 0, cumulative[every, b - 1], 0)
            members = np.arange(MEDIAN_BIN)[None, :] + (b * MEDIAN_BIN)[:, None]
            valid = members < self.order.size
            members = np.minimum(members, self.order.size - 1)
            offset = self.order[members][:, :, None] - starts[:, None, :]
            offset += np.where(offset < 0, self.n, 0)
            mult = (offset < lengths[:, None, :]).sum(axis=-1) * valid
            inside = np.cumsum(mult, axis=1)
            j = np.minimum((inside <= (rank - before)[:, None]).sum(axis=1), MEDIAN_BIN - 1)
            result += self.values[members[every, j]] / 2.0
        return np.where(total > 0, result, np.nan)


def _multiplicities(n, starts, lengths):
    """(rows, n) how many times each period appears in each resample (difference array)."""
    rows = starts.shape[0]
    width = 2 * n + 1
    flat = np.arange(rows)[:, None] * width
    marks = np.bincount((flat + starts).ravel(), minlength=rows * width)
    marks -= np.bincount((flat + starts + lengths).ravel(), minlength=rows * width)
    running = np.cumsum(marks.reshape(rows, width), axis=1)
    return running[:, :n] + running[:, n : 2 * n]


def _median_from_counts(values, multiplicity):
    cumulative = np.cumsum(multiplicity, axis=1)
    total = cumulative[:, -1]
    low = np.minimum((cumulative <= ((total - 1) // 2)[:, None]).sum(axis=1), values.size - 1)
    high = np.minimum((cumulative <= (total // 2)[:, None]).sum(axis=1), values.size - 1)
    return np.where(total > 0, (values[low] + values[high]) / 2.0, np.nan)


def bootstrap_cell(stock, bond, resamples: int, seed: int, min_periods: int = 3):
    """Point estimates, the block length, the (resamples,) replicates of every statistic, and
    for every STUDENTIZED statistic (se_hat, (resamples,) studentized replicates t*)."""
    stock = np.asarray(stock, dtype=float)
    bond = np.asarray(bond, dtype=float)
    n = stock.size
    block = cell_block_length(stock, bond)
    # the SUM_TERMS and a row of ones (whose block sums are the blocks' lengths)
    terms = np.vstack([_terms(stock, bond), np.ones((1, n))])
    prefix = np.zeros((terms.shape[0], 2 * n + 1))
    np.cumsum(np.concatenate([terms, terms], axis=1), axis=1, out=prefix[:, 1:])
    tol = _tolerance(stock, bond)
    median_index = MedianIndex(stock, bond)
    estimates = statistics(stock, bond, min_periods)
    centre = {name: _scale(name, estimates[name]) for name in STUDENTIZED}
    rng = np.random.default_rng(seed)
    chunks: dict[str, list[np.ndarray]] = {s: [] for s in STATISTICS}
    t_chunks: dict[str, list[np.ndarray]] = {s: [] for s in STUDENTIZED}
    done = 0
    # resamples per chunk: as many as keep the gathered block sums under CHUNK_CELLS
    expected_blocks = n / block * 1.2 + 6.0 * math.sqrt(n / block) + 8
    chunk = max(1, min(resamples, int(CHUNK_CELLS // (len(SUM_TERMS) * expected_blocks))))
    while done < resamples:
        rows = min(chunk, resamples - done)
        starts, lengths = stationary_blocks(rng, n, block, rows)
        part = prefix[:, starts + lengths] - prefix[:, starts]  # (terms + 1, rows, blocks)
        sums = part[:LENGTH].sum(axis=-1)
        values = statistics_from_sums(sums, n, tol, min_periods)
        by_row = part.transpose(1, 0, 2)
        gram = np.matmul(by_row, by_row.transpose(0, 2, 1))
        se = standard_errors(gram, linear_terms(sums, n, values))
        del part, by_row
        values["median_bond_return_when_stock_down"] = median_index.medians(starts, lengths)
        for name in STATISTICS:
            chunks[name].append(values[name])
        with np.errstate(invalid="ignore", divide="ignore"):
            for name in STUDENTIZED:
                t_chunks[name].append((_scale(name, values[name]) - centre[name]) / se[name])
        done += rows
    replicates = {s: np.concatenate(v) for s, v in chunks.items()}
    se_hat = sample_standard_errors(stock, bond, estimates)
    studentized = {s: (se_hat[s], np.concatenate(t_chunks[s])) for s in STUDENTIZED}
    return estimates, block, replicates, studentized


def percentile_interval(replicates: np.ndarray, level: float = 0.95):
    finite = replicates[np.isfinite(replicates)]
    if replicates.size == 0 or finite.size < (1 - MAX_UNDEFINED_SHARE) * replicates.size:
        return (None, None)
    alpha = (1 - level) / 2
    low, high = np.quantile(finite, [alpha, 1 - alpha])
    return (float(low), float(high))


def t_quantile(t_replicates, level: float = 0.95) -> float:
    """The level-quantile of |t*| (numpy's linear quantile); nan when more than 5 % of the t*
    are undefined."""
    finite = t_replicates[np.isfinite(t_replicates)]
    if t_replicates.size == 0 or finite.size < (1 - MAX_UNDEFINED_SHARE) * t_replicates.size:
        return math.nan
    return float(np.quantile(np.abs(finite), level))


def t_interval(name, estimate, se, q):
    """Symmetric bootstrap-t interval estimate -/+ q se, on the Fisher-z scale for the
    correlation (mapped back); the hit rate clipped to [0, 1]. (None, None) when the estimate,
    se or q is undefined or se is not positive."""
    centre = float(_scale(name, estimate))
    if not (math.isfinite(centre) and math.isfinite(se) and se > 0 and math.isfinite(q)):
        return (None, None)
    low, high = _unscale(name, centre - q * se), _unscale(name, centre + q * se)
    if name == "hit_rate":
        low, high = max(low, 0.0), min(high, 1.0)
    return (float(low), float(high))


def studentized_interval(name, estimate, se_hat, t_replicates, level: float = 0.95):
    """Hall (1988)'s symmetric bootstrap-t interval: `t_interval` with q the level-quantile of
    |t*| (numpy's linear quantile); None when more than 5 % of the t* are undefined."""
    return t_interval(name, estimate, se_hat, t_quantile(t_replicates, level))


def cell_interval(name, estimate, replicates, studentized):
    """A statistic's interval: studentized when it has one (see the module docstring), else
    the percentile interval: for the median, when the sample se is undefined, and when more
    than 5 % of the t* are (resamples whose own se is 0, e.g. a bill that rose in every
    resampled down period: a hit rate of 1 has no spread to studentize by)."""
    if name in studentized:
        interval = studentized_interval(name, estimate, *studentized[name])
        if interval != (None, None):
            return interval
    return percentile_interval(replicates[name])


# ------------------------------------------------------------------------------------------
# eras


def parse_eras(raw) -> list[dict]:
    """The `answer_eras` var: [{name, start, end}] with ISO dates or null (open)."""
    eras = json.loads(raw) if isinstance(raw, str) else raw
    out = []
    for era in eras:
        start = date.fromisoformat(era["start"]) if era.get("start") else None
        end = date.fromisoformat(era["end"]) if era.get("end") else None
        out.append({"name": str(era["name"]), "start": start, "end": end})
    names = [e["name"] for e in out]
    if len(set(names)) != len(names):
        raise ValueError(f"answer_eras: era names must be unique, got {names}")
    for i, era in enumerate(out):
        previous = None
        for earlier in out[:i]:
            starts_after = era["start"] is not None and earlier["end"] is not None
            if starts_after and earlier["end"] < era["start"]:
                previous = earlier["name"]
        era["previous"] = previous
    return out


def _in_era(dates: np.ndarray, era: dict) -> np.ndarray:
    mask = np.ones(dates.shape, dtype=bool)
    if era["start"] is not None:
        mask &= dates >= np.datetime64(era["start"])
    if era["end"] is not None:
        mask &= dates <= np.datetime64(era["end"])
    return mask


# ------------------------------------------------------------------------------------------
# the model


PAIRS_SQL = """
with r as (
    select asset_id, frequency, period_end, {columns}
    from returns_rel
    where is_complete_period and frequency in ('daily', 'weekly', 'monthly')
)
select e.asset_id as equity_asset_id, b.asset_id as bond_asset_id, e.frequency,
       e.period_end, e.total_return as stock_return, {bond_columns}
from r as e join r as b on e.frequency = b.frequency and e.period_end = b.period_end
where e.asset_id in ({equities}) and b.asset_id in ({bonds})
  and e.total_return is not null and not isnan(e.total_return)
order by 1, 2, 3, 4
"""


def cell_fingerprint(key, era, dates, stock, bond, resamples, seed, min_periods):
    """SHA-256 (hex) of everything a cell's resamples depend on: its resampled periods'
    dates and returns, the resampling parameters, the era and MODEL_VERSION."""
    header = [
        MODEL_VERSION,
        np.__version__,
        list(key),
        str(era["start"]),
        str(era["end"]),
        int(resamples),
        int(seed),
        int(min_periods),
        int(stock.size),
    ]
    h = hashlib.sha256(json.dumps(header).encode())
    h.update(np.ascontiguousarray(dates, dtype="datetime64[D]").astype("<i8").tobytes())
    h.update(np.ascontiguousarray(stock, dtype="<f8").tobytes())
    h.update(np.ascontiguousarray(bond, dtype="<f8").tobytes())
    return h.hexdigest()


def resampled_mask(era, dates: np.ndarray, data_through) -> np.ndarray:
    """Which of a cell's periods (``dates``, ascending) are resampled.

    A closed cell (its era ends before the data do: ``data_through``, the last period of the
    asset pair and frequency) resamples all of them. An open cell (the era has no end, or ends
    after the data) resamples its periods through the end of the calendar month before its
    last period: the resamples, and so the quantile of |t*| and the era test's null
    distribution, are redrawn once a month, while the estimates and the standard error they
    are scaled by use every period of every build. All periods when fewer than two fall
    before that month."""
    everything = np.ones(dates.shape, dtype=bool)
    if era["end"] is not None and np.datetime64(era["end"]) < data_through:
        return everything
    month_start = dates[-1].astype("datetime64[M]").astype("datetime64[D]")
    mask = dates < month_start
    return mask if mask.sum() >= 2 else everything


class Resampled:
    """What a cell keeps of its resamples: enough for every interval and era test, stored in
    the row (`resampled_*` columns) so that a later build with the same resampled input
    (same `input_fingerprint`) reuses it instead of drawing again."""

    def __init__(self, through, periods, block, estimates, quantiles, replicates):
        self.through = through  # the last resampled period's end
        self.periods = int(periods)
        self.block = float(block)
        self.estimates = estimates  # {statistic: estimate on the resampled periods}
        self.quantiles = quantiles  # {STUDENTIZED statistic: t_quantile, nan if undefined}
        self.replicates = replicates  # {statistic: (resamples,) replicates}

    @classmethod
    def draw(cls, dates, stock, bond, resamples, seed, min_periods):
        estimates, block, replicates, studentized = bootstrap_cell(
            stock, bond, resamples, seed, min_periods
        )
        quantiles = {s: t_quantile(t) for s, (_, t) in studentized.items()}
        return cls(dates[-1].astype(object), stock.size, block, estimates, quantiles, replicates)

    def columns(self) -> dict:
        return {
            "resampled_through": self.through,
            "resampled_periods": self.periods,
            "block_length": self.block,
            "resampled_estimates": [float(self.estimates[s]) for s in STATISTICS],
            "resampled_t_quantiles": [float(self.quantiles[s]) for s in STUDENTIZED],
            "resampled_replicates": np.concatenate(
                [self.replicates[s] for s in STATISTICS]
            ).tolist(),
        }

    @classmethod
    def from_row(cls, row, resamples):
        flat = np.asarray(row["resampled_replicates"], dtype=float)
        return cls(
            row["resampled_through"],
            row["resampled_periods"],
            row["block_length"],
            dict(zip(STATISTICS, map(float, row["resampled_estimates"]), strict=True)),
            dict(zip(STUDENTIZED, map(float, row["resampled_t_quantiles"]), strict=True)),
            dict(zip(STATISTICS, flat.reshape(len(STATISTICS), resamples), strict=True)),
        )

    def interval(self, name, estimate, se):
        """The statistic's 95 % interval around this build's ``estimate``: symmetric
        bootstrap-t, estimate -/+ q se with q this cell's quantile of |t*| and ``se`` the
        sample standard error of this build (the correlation on the Fisher-z scale, the hit
        rate clipped to [0, 1]); else the percentile interval of the replicates, moved by the
        estimate's change since the resampled periods (none for a closed cell): for the median,
        when se is undefined, and when more than 5 % of the t* are."""
        interval = t_interval(name, estimate, se, self.quantiles.get(name, math.nan))
        if interval != (None, None):
            return interval
        replicates = self.replicates[name]
        shift = float(_scale(name, estimate)) - float(_scale(name, self.estimates[name]))
        if shift != 0.0:
            with np.errstate(invalid="ignore"):
                moved = _scale(name, replicates) + shift
            replicates = np.tanh(moved) if name == "correlation" else moved
        low, high = percentile_interval(replicates)
        if low is not None and name == "hit_rate":
            low, high = max(low, 0.0), min(high, 1.0)
        return (low, high)


def era_difference(name, now, previous_now, own: Resampled, previous: Resampled):
    """(difference, two-sided bootstrap p-value) of a statistic between an era and its previous
    era: the difference of this build's estimates, tested against the replicates' differences
    centred on the difference of the resampled estimates (the null distribution)."""
    d_hat = float(now) - float(previous_now)
    if not math.isfinite(d_hat):
        return None, None
    d_star = own.replicates[name] - previous.replicates[name]
    centre = float(own.estimates[name]) - float(previous.estimates[name])
    finite = d_star[np.isfinite(d_star)]
    if finite.size < (1 - MAX_UNDEFINED_SHARE) * d_star.size or not math.isfinite(centre):
        return d_hat, None
    extreme = np.count_nonzero(np.abs(finite - centre) >= abs(d_hat))
    return d_hat, (1 + extreme) / (1 + finite.size)


def compute(
    pairs: dict[str, np.ndarray],
    bases,
    eras,
    resamples,
    seed,
    min_periods,
    stored: dict[tuple, dict] | None = None,
):
    """Rows (dicts) of int_hedge_bootstrap from the aligned pairs (numpy columns).

    ``stored``: the last build's rows by cell key; a cell whose resampled input has the stored
    row's `input_fingerprint` reuses its resamples (`reused` = true) instead of drawing them.
    Estimates, standard errors, intervals and era tests are computed every build.
    """
    stored = stored or {}
    rows = []
    keys = np.char.add(
        np.char.add(pairs["equity_asset_id"].astype(str), "|"),
        np.char.add(
            np.char.add(pairs["bond_asset_id"].astype(str), "|"), pairs["frequency"].astype(str)
        ),
    )
    boundaries = np.flatnonzero(keys[1:] != keys[:-1]) + 1
    for lo, hi in zip(
        np.concatenate([[0], boundaries]), np.concatenate([boundaries, [keys.size]]), strict=True
    ):
        if hi <= lo:
            continue
        equity, bond, frequency = str(keys[lo]).split("|")
        dates = pairs["period_end"][lo:hi]
        stock_all = pairs["stock_return"][lo:hi]
        for basis in bases:
            bond_all = pairs[f"bond_{basis}"][lo:hi]
            usable = np.isfinite(bond_all) & np.isfinite(stock_all)
            data_through = dates[usable].max() if usable.any() else None
            # era -> (estimates of this build, Resampled)
            fitted: dict[str, tuple[dict, Resampled]] = {}
            for era in eras:
                mask = usable & _in_era(dates, era)
                n = int(mask.sum())
                if n < 2:
                    continue
                s, b, d = stock_all[mask], bond_all[mask], dates[mask]
                key = (equity, bond, frequency, era["name"], basis)
                keep = resampled_mask(era, d, data_through)
                fingerprint = cell_fingerprint(
                    key, era, d[keep], s[keep], b[keep], resamples, seed, min_periods
                )
                old = stored.get(key)
                reused = old is not None and old.get("input_fingerprint") == fingerprint
                if reused:
                    resampled = Resampled.from_row(old, resamples)
                else:
                    resampled = Resampled.draw(
                        d[keep], s[keep], b[keep], resamples, cell_seed(seed, *key), min_periods
                    )
                estimates = statistics(s, b, min_periods)
                se = sample_standard_errors(s, b, estimates)
                fitted[era["name"]] = (estimates, resampled)
                tested = era["previous"] in fitted  # compared only with an era having this cell
                down = s < 0
                row = {
                    "equity_asset_id": equity,
                    "bond_asset_id": bond,
                    "frequency": frequency,
                    "era": era["name"],
                    "era_start": era["start"],
                    "era_end": era["end"],
                    "return_basis": basis,
                    "periods": n,
                    "stock_down_periods": int(down.sum()),
                    "bond_up_when_stock_down": int((down & (b > 0)).sum()),
                    "mean_stock_return_when_stock_down": (
                        float(s[down].mean()) if down.any() else None
                    ),
                    "first_period_end": d[0].astype(object),
                    "last_period_end": d[-1].astype(object),
                    "resamples": resamples,
                    "seed": cell_seed(seed, *key),
                    "previous_era": era["previous"] if tested else None,
                }
                for name in STATISTICS:
                    value = float(estimates[name])
                    row[name] = value if math.isfinite(value) else None
                    low, high = resampled.interval(name, estimates[name], se.get(name, math.nan))
                    if row[name] is None:
                        low = high = None
                    row[f"{name}_boot_low"], row[f"{name}_boot_high"] = low, high
                for name in TESTED:
                    row[f"{name}_diff"] = None
                    row[f"{name}_diff_p_value"] = None
                if tested:
                    prev_estimates, prev_resampled = fitted[era["previous"]]
                    for name in TESTED:
                        diff, p = era_difference(
                            name, estimates[name], prev_estimates[name], resampled, prev_resampled
                        )
                        row[f"{name}_diff"], row[f"{name}_diff_p_value"] = diff, p
                row.update(resampled.columns())
                row["input_fingerprint"] = fingerprint
                row["reused"] = reused
                rows.append(row)
    return rows


def stored_rows(session, relation, columns) -> dict[tuple, dict]:
    """The last build's rows by cell key (empty when it predates the fingerprint column)."""
    have = model_io.columns_of(session, relation)
    if any(c not in have for c in columns):
        return {}
    found = model_io.fetch_dicts(session, f"select {', '.join(columns)} from {relation}")
    return {tuple(r[c] for c in KEY_COLUMNS): r for r in found}


def model(dbt, session):
    # incremental only to learn, through dbt.is_incremental, whether the last build's rows
    # may be reused (not on the first build nor on --full-refresh); replace_all keeps table
    # semantics: every build writes the whole table
    # (the strategy, per engine, is set in _int_answer.yml: replace_all on DuckDB)
    dbt.config(materialized="incremental", on_schema_change="sync_all_columns")
    resamples = int(dbt.config.get("bootstrap_resamples"))
    seed = int(dbt.config.get("bootstrap_seed"))
    min_periods = int(dbt.config.get("scorecard_min_periods"))
    eras = parse_eras(dbt.config.get("answer_eras"))
    if resamples < 1:
        raise ValueError(f"bootstrap_resamples must be >= 1, got {resamples}")

    returns = dbt.ref("int_asset_returns")
    catalog = model_io.query_numpy(
        session,
        dbt.ref("stg_asset_catalog"),
        "catalog_rel",
        "select asset_id, asset_class from catalog_rel",
    )
    catalog = dict(zip(catalog["asset_id"].tolist(), catalog["asset_class"].tolist(), strict=True))
    equities = dbt.config.get("answer_equity_assets")
    equities = json.loads(equities) if isinstance(equities, str) else list(equities)
    unknown = [a for a in equities if catalog.get(a) != "equity"]
    if unknown:
        raise ValueError(f"answer_equity_assets: not equity assets of the catalog: {unknown}")
    bonds = sorted(a for a, c in catalog.items() if c != "equity")
    # the excess basis exists once asset_returns carries excess_return (the returns issue)
    bases = ["total"] + (["excess"] if "excess_return" in returns.columns else [])
    sql = PAIRS_SQL.format(
        columns=", ".join(f"{b}_return" for b in bases),
        bond_columns=", ".join(
            f"case when isnan(b.{b}_return) then null else b.{b}_return end as bond_{b}"
            for b in bases
        ),
        equities=", ".join(f"'{a}'" for a in equities),
        bonds=", ".join(f"'{a}'" for a in bonds),
    )
    arrays = model_io.query_numpy(session, returns, "returns_rel", sql)
    pairs = {
        "equity_asset_id": np.asarray(arrays["equity_asset_id"], dtype=str),
        "bond_asset_id": np.asarray(arrays["bond_asset_id"], dtype=str),
        "frequency": np.asarray(arrays["frequency"], dtype=str),
        "period_end": np.asarray(arrays["period_end"], dtype="datetime64[D]"),
        "stock_return": np.round(np.asarray(arrays["stock_return"], dtype=float), RETURN_DECIMALS),
    }
    for b in bases:
        column = np.ma.filled(np.ma.asarray(arrays[f"bond_{b}"]).astype(float), np.nan)
        pairs[f"bond_{b}"] = np.round(column, RETURN_DECIMALS)
    import pyarrow as pa

    schema = _schema(pa)
    stored = stored_rows(session, dbt.this, schema.names) if dbt.is_incremental else {}
    rows = compute(pairs, bases, eras, resamples, seed, min_periods, stored)
    return model_io.output(session, pa.Table.from_pylist(rows, schema=schema))


def _schema(pa):
    fields = [
        ("equity_asset_id", pa.string()),
        ("bond_asset_id", pa.string()),
        ("frequency", pa.string()),
        ("era", pa.string()),
        ("era_start", pa.date32()),
        ("era_end", pa.date32()),
        ("return_basis", pa.string()),
        ("periods", pa.int64()),
        ("stock_down_periods", pa.int64()),
        ("bond_up_when_stock_down", pa.int64()),
        ("mean_stock_return_when_stock_down", pa.float64()),
        ("first_period_end", pa.date32()),
        ("last_period_end", pa.date32()),
        ("block_length", pa.float64()),
        ("resamples", pa.int64()),
        ("seed", pa.int64()),
        ("previous_era", pa.string()),
    ]
    for name in STATISTICS:
        fields += [
            (name, pa.float64()),
            (f"{name}_boot_low", pa.float64()),
            (f"{name}_boot_high", pa.float64()),
        ]
    for name in TESTED:
        fields += [(f"{name}_diff", pa.float64()), (f"{name}_diff_p_value", pa.float64())]
    fields += [
        ("resampled_through", pa.date32()),
        ("resampled_periods", pa.int64()),
        ("resampled_estimates", pa.list_(pa.float64())),
        ("resampled_t_quantiles", pa.list_(pa.float64())),
        ("resampled_replicates", pa.list_(pa.float64())),
        ("input_fingerprint", pa.string()),
        ("reused", pa.bool_()),
    ]
    return pa.schema(fields)
