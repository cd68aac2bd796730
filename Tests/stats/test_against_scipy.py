"""Linkwell's paired statistics agree with scipy/numpy to at least 6 significant figures.

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
from scipy import stats

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
    dz = d.mean() / sd
    dz_se = math.sqrt(1 / n + dz * dz / (2 * n))
    close(got["dzLow"], dz - tcrit * dz_se)
    close(got["dzHigh"], dz + tcrit * dz_se)


def test_no_result_without_variance():
    out = subprocess.run([BIN, "outcomes", "paired-stats"], input='{"baseline":[1,2,3],"followUp":[2,3,4]}\n',
                         capture_output=True, text=True, check=True).stdout
    assert out.strip() == "null"
