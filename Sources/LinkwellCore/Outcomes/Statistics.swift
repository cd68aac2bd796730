import Foundation

/// The statistics an evaluator expects for paired before/after data, computed exactly enough to agree
/// with `scipy.stats` to well beyond six significant figures (checked in CI by `Tests/stats`).
public enum Statistics {
    public static func mean(_ xs: [Double]) -> Double? {
        xs.isEmpty ? nil : xs.reduce(0, +) / Double(xs.count)
    }

    /// Sample standard deviation (n − 1 in the denominator), computed in two passes for accuracy.
    public static func standardDeviation(_ xs: [Double]) -> Double? {
        guard xs.count > 1, let m = mean(xs) else { return nil }
        let ss = xs.reduce(0) { $0 + ($1 - m) * ($1 - m) }
        return (ss / Double(xs.count - 1)).squareRoot()
    }

    /// A paired comparison of follow-up against baseline for the same people.
    public struct PairedResult: Codable, Sendable, Equatable {
        public var n: Int
        public var meanBaseline: Double
        public var meanFollowUp: Double
        public var meanChange: Double
        public var sdChange: Double
        /// 95% confidence interval of the mean change (t distribution, n − 1 df).
        public var changeLow: Double
        public var changeHigh: Double
        public var t: Double
        /// Two-sided p-value of the paired t-test (as `scipy.stats.ttest_rel`).
        public var p: Double
        /// Cohen's d_z: mean change ÷ SD of the changes.
        public var cohenDz: Double
        /// Exact 95% CI of d_z by inverting the noncentral t distribution (`dzInterval`).
        public var dzLow: Double
        public var dzHigh: Double
        /// How the d_z interval was found.
        public var dzMethod: String = Statistics.dzMethod

        /// The result as published: means, SDs and intervals to 0.1 (the precision of the scores: ONS4 and
        /// SWEMWBS raw scores are whole numbers), t and d_z to 0.01 and p to 0.001, so that the published
        /// figures of two groups differing by one person cannot be solved for that person's scores.
        public var published: PairedResult {
            func r(_ x: Double, _ places: Double) -> Double { (x * places).rounded() / places }
            return PairedResult(n: n, meanBaseline: r(meanBaseline, 10), meanFollowUp: r(meanFollowUp, 10), meanChange: r(meanChange, 10),
                                sdChange: r(sdChange, 10), changeLow: r(changeLow, 10), changeHigh: r(changeHigh, 10), t: r(t, 100),
                                p: r(p, 1000), cohenDz: r(cohenDz, 100), dzLow: r(dzLow, 100), dzHigh: r(dzHigh, 100), dzMethod: dzMethod)
        }
    }

    /// The method named beside every d_z interval.
    public static let dzMethod = "exact: the noncentral t distribution inverted for its noncentrality (Cumming and Finch 2001)"

    /// Paired analysis; nil below two pairs or when every change is identical (no variance).
    public static func paired(baseline: [Double], followUp: [Double]) -> PairedResult? {
        paired(baseline: baseline, followUp: followUp, asIfFrom: baseline.count)
    }

    /// Paired analysis whose standard error, t, p and intervals are worked out as if from `n` people (means and
    /// SDs come from the data). Published cohorts pass the smallest count their published count can stand for,
    /// so that no statistic reveals the true count and every interval is at least as wide as the data's own.
    public static func paired(baseline: [Double], followUp: [Double], asIfFrom n: Int) -> PairedResult? {
        precondition(baseline.count == followUp.count, "paired data must line up")
        guard baseline.count >= 2, n >= 2 else { return nil }
        let diffs = zip(followUp, baseline).map { $0 - $1 }
        guard let md = mean(diffs), let sd = standardDeviation(diffs), sd > 0 else { return nil }
        let df = Double(n - 1)
        let se = sd / Double(n).squareRoot()
        let t = md / se
        let p = 2 * studentTUpperTail(abs(t), df: df)
        let critical = studentTQuantile(0.975, df: df)
        let dz = md / sd
        let (dzLow, dzHigh) = dzInterval(t: t, n: n)
        return PairedResult(n: n, meanBaseline: mean(baseline)!, meanFollowUp: mean(followUp)!, meanChange: md, sdChange: sd,
                            changeLow: md - critical * se, changeHigh: md + critical * se, t: t, p: min(1, p),
                            cohenDz: dz, dzLow: dzLow, dzHigh: dzHigh)
    }

    /// The 95% confidence interval of d_z = t/√n: the noncentralities δ for which the observed t is at the
    /// 97.5th and 2.5th percentiles of the noncentral t distribution with n − 1 df, divided by √n.
    public static func dzInterval(t: Double, n: Int, level: Double = 0.95) -> (Double, Double) {
        let df = Double(n - 1), root = Double(n).squareRoot(), tail = (1 - level) / 2
        // P(T ≤ t | δ) falls as δ rises: bisect for P = 1 − tail (low end) and P = tail (high end).
        func solve(_ target: Double) -> Double {
            var low = t - 10 - abs(t), high = t + 10 + abs(t)
            while noncentralTCDF(t, df: df, noncentrality: low) < target { low -= 10 + abs(low) }
            while noncentralTCDF(t, df: df, noncentrality: high) > target { high += 10 + abs(high) }
            for _ in 0..<100 {
                let mid = (low + high) / 2
                if noncentralTCDF(t, df: df, noncentrality: mid) > target { low = mid } else { high = mid }
                if high - low < 1e-11 * max(1, abs(mid)) { break }
            }
            return (low + high) / 2
        }
        return (solve(1 - tail) / root, solve(tail) / root)
    }

    /// P(T ≤ t) for the noncentral t with `df` degrees of freedom and noncentrality δ:
    /// T = (Z + δ) / S with S = √(χ²_df / df), so P(T ≤ t) = E[Φ(t·S − δ)], integrated over the density of S
    /// by composite Simpson's rule across ±12 standard deviations around its mode.
    public static func noncentralTCDF(_ t: Double, df: Double, noncentrality delta: Double) -> Double {
        let mode = df > 1 ? ((df - 1) / df).squareRoot() : 0
        let spread = df > 1 ? 1 / (2 * df).squareRoot() : 1
        let low = max(0, mode - 12 * spread), high = mode + 12 * spread
        let steps = 2000
        let h = (high - low) / Double(steps)
        // log density of S: log 2 + (df/2)·log(df/2) − lgamma(df/2) + (df − 1)·log s − df·s²/2
        let constant = log(2.0) + (df / 2) * log(df / 2) - lgamma(df / 2)
        func density(_ s: Double) -> Double {
            guard s > 0 else { return df == 1 ? exp(constant) : 0 }
            return exp(constant + (df - 1) * log(s) - df * s * s / 2)
        }
        func phi(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
        var sum = 0.0
        for i in 0...steps {
            let s = low + Double(i) * h
            let weight: Double = (i == 0 || i == steps) ? 1 : (i % 2 == 1 ? 4 : 2)
            sum += weight * density(s) * phi(t * s - delta)
        }
        return min(1, max(0, sum * h / 3))
    }

    /// The Wilson score interval for `count` out of `n` (Wilson 1927), at 95%.
    public static func wilson(_ count: Int, of n: Int, z: Double = 1.959963984540054) -> (low: Double, high: Double)? {
        guard n > 0 else { return nil }
        let p = Double(count) / Double(n), m = Double(n)
        let centre = (p + z * z / (2 * m)) / (1 + z * z / m)
        let half = z / (1 + z * z / m) * (p * (1 - p) / m + z * z / (4 * m * m)).squareRoot()
        return (max(0, centre - half), min(1, centre + half))
    }

    // MARK: Student's t distribution

    /// P(T > t) for t ≥ 0 with `df` degrees of freedom: ½ · I_{df/(df+t²)}(df/2, ½).
    public static func studentTUpperTail(_ t: Double, df: Double) -> Double {
        0.5 * regularizedIncompleteBeta(df / (df + t * t), a: df / 2, b: 0.5)
    }

    /// The t value below which `probability` of the distribution lies (0.5 < probability < 1).
    public static func studentTQuantile(_ probability: Double, df: Double) -> Double {
        let tail = 1 - probability
        var low = 0.0, high = 1.0
        while studentTUpperTail(high, df: df) > tail { high *= 2 }
        for _ in 0..<200 {
            let mid = (low + high) / 2
            if studentTUpperTail(mid, df: df) > tail { low = mid } else { high = mid }
            if high - low < 1e-13 * max(1, high) { break }
        }
        return (low + high) / 2
    }

    /// I_x(a, b) by Lentz's continued fraction (Numerical Recipes §6.4), accurate to ~1e-14.
    public static func regularizedIncompleteBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnBeta: Double = lgamma(a) + lgamma(b) - lgamma(a + b)
        let lnPowers: Double = a * log(x) + b * log(1 - x)
        let lnFront = lnPowers - lnBeta
        if x < (a + 1) / (a + b + 2) {
            return exp(lnFront) * continuedFraction(x, a: a, b: b) / a
        }
        return 1 - exp(lnFront) * continuedFraction(1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, epsilon = 1e-16
        var c = 1.0
        var d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...10_000 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((a + m2 - 1) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < epsilon { break }
        }
        return h
    }
}
