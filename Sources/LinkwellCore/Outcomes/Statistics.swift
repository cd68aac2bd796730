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
        /// Approximate 95% CI of d_z: d_z ± t(0.975, n−1) × √(1/n + d_z²/(2n)).
        public var dzLow: Double
        public var dzHigh: Double
    }

    /// Paired analysis; nil below two pairs or when every change is identical (no variance).
    public static func paired(baseline: [Double], followUp: [Double]) -> PairedResult? {
        precondition(baseline.count == followUp.count, "paired data must line up")
        let n = baseline.count
        guard n >= 2 else { return nil }
        let diffs = zip(followUp, baseline).map { $0 - $1 }
        guard let md = mean(diffs), let sd = standardDeviation(diffs), sd > 0 else { return nil }
        let df = Double(n - 1)
        let se = sd / Double(n).squareRoot()
        let t = md / se
        let p = 2 * studentTUpperTail(abs(t), df: df)
        let critical = studentTQuantile(0.975, df: df)
        let dz = md / sd
        let dzSE = (1 / Double(n) + dz * dz / (2 * Double(n))).squareRoot()
        return PairedResult(n: n, meanBaseline: mean(baseline)!, meanFollowUp: mean(followUp)!, meanChange: md, sdChange: sd,
                            changeLow: md - critical * se, changeHigh: md + critical * se, t: t, p: min(1, p),
                            cohenDz: dz, dzLow: dz - critical * dzSE, dzHigh: dz + critical * dzSE)
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
