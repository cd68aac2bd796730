"""Linkwell's paired statistics agree with scipy/numpy to at least 6 significant figures (the d_z
interval against the exact noncentral t inversion, the shares' intervals against scipy's Wilson interval).

Runs `linkwell outcomes paired-stats` (the same Swift code the cohort reports use) on generated data
sets and compares every figure with scipy.stats.ttest_rel, numpy and the t distribution.
"""
import json
import math
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize, stats

ROOT = Path(__file__).resolve().parents[2]
BIN = os.environ.get("LINKWELL_BIN", str(ROOT / ".build" / "debug" / "linkwell"))


def datasets():
    rng = np.random.default_rng(20261127)
    sets = []
    # Realistic instrument data: SWEMWBS metric scores, ONS4 items, WEMWBS totals.
    for n, low, high, shift, spread in [(12, 7, 35, 1.8, 3.0), (40, 0, 10, 0.9, 1.7), (150, 14, 70, 3.1, 7.5),
                                        (10, 7, 35, -0.4, 2.2), (500, 0, 10, 0.05, 2.0), (3, 0, 10, 2.0, 1.0)]:
        before = rng.uniform(low, high, n).round(2)
        after = np.clip(before + rng.normal(shift, spread, n), low, high).round(2)
        sets.append((before.tolist(), after.tolist()))
    # Whole-number answers with ties, and a near-null effect.
    before = rng.integers(0, 11, 60)
    sets.append((before.astype(float).tolist(), np.clip(before + rng.integers(-2, 3, 60), 0, 10).astype(float).tolist()))
    return sets


def nct_root(t, n, p):
    """The noncentrality at which the observed t is the p-th quantile's CDF value (scipy.stats.nct), bracketed
    narrowly around t: scipy's nct.cdf returns NaN far from the bulk of the distribution."""
    f = lambda nc: stats.nct.cdf(t, n - 1, nc) - p
    width = 1.0
    while not (f(t - width) * f(t + width) < 0):
        width *= 1.5
    return optimize.brentq(f, t - width, t + width, xtol=1e-12)


def close(a, b):
    assert math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-12), f"{a} != {b}"


@pytest.mark.parametrize("before,after", datasets())
def test_paired_statistics_match_scipy(before, after):
    out = subprocess.run([BIN, "outcomes", "paired-stats"], input=json.dumps({"baseline": before, "followUp": after}) + "\n",
                         capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    b, a = np.array(before), np.array(after)
    d = a - b
    n = len(d)
    expected = stats.ttest_rel(a, b)
    sd = d.std(ddof=1)
    se = sd / math.sqrt(n)
    tcrit = stats.t.ppf(0.975, n - 1)
    assert got["n"] == n
    close(got["meanBaseline"], b.mean())
    close(got["meanFollowUp"], a.mean())
    close(got["meanChange"], d.mean())
    close(got["sdChange"], sd)
    close(got["t"], expected.statistic)
    close(got["p"], expected.pvalue)
    close(got["changeLow"], d.mean() - tcrit * se)
    close(got["changeHigh"], d.mean() + tcrit * se)
    close(got["cohenDz"], d.mean() / sd)
    # d_z interval: the noncentralities at which the observed t is the 97.5th / 2.5th percentile of the
    # noncentral t (scipy.stats.nct), divided by sqrt(n).
    t = expected.statistic
    lo, hi = nct_root(t, n, 0.975), nct_root(t, n, 0.025)
    assert math.isclose(got["dzLow"], lo / math.sqrt(n), rel_tol=1e-6, abs_tol=1e-9), (got["dzLow"], lo / math.sqrt(n))
    assert math.isclose(got["dzHigh"], hi / math.sqrt(n), rel_tol=1e-6, abs_tol=1e-9), (got["dzHigh"], hi / math.sqrt(n))
    assert "noncentral t" in got["dzMethod"]


def test_noncentral_t_interval_for_large_effects():
    # A large, tight effect in a small group: the normal approximation is furthest from the exact interval here.
    before = [10, 12, 11, 13, 9, 10, 12, 11, 10, 12]
    after = [15, 16, 17, 18, 13, 15, 16, 17, 14, 18]
    got = json.loads(subprocess.run([BIN, "outcomes", "paired-stats"], input=json.dumps({"baseline": before, "followUp": after}) + "\n",
                                    capture_output=True, text=True, check=True).stdout)
    t, n = got["t"], len(before)
    lo = optimize.brentq(lambda nc: stats.nct.cdf(t, n - 1, nc) - 0.975, 0, t + 50, xtol=1e-12) / math.sqrt(n)
    hi = optimize.brentq(lambda nc: stats.nct.cdf(t, n - 1, nc) - 0.025, 0, t + 80, xtol=1e-12) / math.sqrt(n)
    assert math.isclose(got["dzLow"], lo, rel_tol=1e-6) and math.isclose(got["dzHigh"], hi, rel_tol=1e-6)


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (5, 10), (10, 10), (7, 23), (130, 400), (1, 1)])
def test_wilson_interval_matches_scipy(k, n):
    out = subprocess.run([BIN, "outcomes", "paired-stats"], input=json.dumps({"proportion": [k, n]}) + "\n",
                         capture_output=True, text=True, check=True).stdout
    got = json.loads(out)
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
    close(got["low"], expected.low)
    close(got["high"], expected.high)


def test_no_result_without_variance():
    out = subprocess.run([BIN, "outcomes", "paired-stats"], input='{"baseline":[1,2,3],"followUp":[2,3,4]}\n',
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "null"
