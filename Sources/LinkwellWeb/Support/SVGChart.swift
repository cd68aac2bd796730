import Foundation

/// Small server-rendered SVG charts (no JavaScript). Labels are escaped; styling uses presentation
/// attributes so the strict content-security policy holds. Every chart sits beside a table of its data.
enum SVGChart {
    static func escape(_ text: String) -> String { HTMLText.escape(text) }

    /// Coordinates.
    static func number(_ x: Double) -> String { String(format: "%.1f", x) }

    /// A score as people read it: whole numbers without decimals, others to two places.
    static func display(_ x: Double) -> String { x.rounded() == x ? String(format: "%.0f", x) : String(format: "%.2f", x) }

    /// One score over time: points joined by a line, on a fixed scale from `low` to `high`.
    static func line(title: String, points: [(label: String, value: Double)], low: Double, high: Double) -> String {
        // Side margins leave room for the first and last time labels, which are centred on their points.
        let width = 320.0, height = 140.0, left = 44.0, right = 30.0, top = 12.0, bottom = 28.0
        let plotW = width - left - right, plotH = height - top - bottom
        func x(_ i: Int) -> Double { points.count < 2 ? left + plotW / 2 : left + plotW * Double(i) / Double(points.count - 1) }
        func y(_ v: Double) -> Double { top + plotH * (1 - (v - low) / max(high - low, 1e-9)) }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\"><title>\(escape(title))</title>"
        for tick in [low, (low + high) / 2, high] {
            svg += "<line x1=\"\(number(left))\" x2=\"\(number(width - right))\" y1=\"\(number(y(tick)))\" y2=\"\(number(y(tick)))\" stroke=\"#d8dde0\"/>"
            svg += "<text x=\"\(number(left - 4))\" y=\"\(number(y(tick) + 4))\" text-anchor=\"end\" font-size=\"10\" fill=\"#4c6272\">\(display(tick))</text>"
        }
        if points.count > 1 {
            let path = points.enumerated().map { "\(number(x($0.offset))),\(number(y($0.element.value)))" }.joined(separator: " ")
            svg += "<polyline points=\"\(path)\" fill=\"none\" stroke=\"#005eb8\" stroke-width=\"2\"/>"
        }
        for (i, p) in points.enumerated() {
            svg += "<circle cx=\"\(number(x(i)))\" cy=\"\(number(y(p.value)))\" r=\"4\" fill=\"#005eb8\"/>"
            svg += "<text x=\"\(number(x(i)))\" y=\"\(number(height - 10))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#212b32\">\(escape(p.label))</text>"
        }
        return svg + "</svg>"
    }

    /// Mean change per group with its 95% confidence interval, around a zero line.
    static func changeBars(title: String, rows: [(label: String, mean: Double, low: Double, high: Double)]) -> String {
        let rowH = 26.0, labelW = 170.0, width = 560.0, plotW = width - labelW - 20
        let height = Double(rows.count) * rowH + 30
        let extent = max(rows.map { max(abs($0.low), abs($0.high)) }.max() ?? 1, 1e-9) * 1.1
        func x(_ v: Double) -> Double { labelW + plotW * (v + extent) / (2 * extent) }
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\"><title>\(escape(title))</title>"
        svg += "<line x1=\"\(number(x(0)))\" x2=\"\(number(x(0)))\" y1=\"0\" y2=\"\(number(height - 20))\" stroke=\"#4c6272\"/>"
        for (i, r) in rows.enumerated() {
            let cy = Double(i) * rowH + rowH / 2
            svg += "<text x=\"\(number(labelW - 8))\" y=\"\(number(cy + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#212b32\">\(escape(r.label))</text>"
            svg += "<rect x=\"\(number(min(x(0), x(r.mean))))\" y=\"\(number(cy - 7))\" width=\"\(number(abs(x(r.mean) - x(0))))\" height=\"14\" fill=\"\(r.mean >= 0 ? "#007f3b" : "#d5281b")\"/>"
            svg += "<line x1=\"\(number(x(r.low)))\" x2=\"\(number(x(r.high)))\" y1=\"\(number(cy))\" y2=\"\(number(cy))\" stroke=\"#212b32\" stroke-width=\"2\"/>"
        }
        svg += "<text x=\"\(number(x(0)))\" y=\"\(number(height - 6))\" text-anchor=\"middle\" font-size=\"10\" fill=\"#4c6272\">0 (no change)</text>"
        return svg + "</svg>"
    }

    /// Horizontal bars of counts; suppressed counts (nil) are drawn as "[c]" with no bar.
    static func bars(title: String, rows: [(label: String, value: Int?)]) -> String {
        let rowH = 22.0, labelW = 230.0, width = 600.0, plotW = width - labelW - 60
        let height = Double(max(rows.count, 1)) * rowH + 8
        let top = Double(max(rows.compactMap(\.value).max() ?? 1, 1))
        var svg = "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" width=\"\(Int(width))\" height=\"\(Int(height))\" role=\"img\" aria-label=\"\(escape(title))\"><title>\(escape(title))</title>"
        for (i, r) in rows.enumerated() {
            let cy = Double(i) * rowH + rowH / 2 + 4
            let label = r.label.count > 38 ? String(r.label.prefix(37)) + "…" : r.label
            svg += "<text x=\"\(number(labelW - 8))\" y=\"\(number(cy + 4))\" text-anchor=\"end\" font-size=\"11\" fill=\"#212b32\">\(escape(label))</text>"
            if let v = r.value {
                let w = plotW * Double(v) / top
                svg += "<rect x=\"\(number(labelW))\" y=\"\(number(cy - 7))\" width=\"\(number(w))\" height=\"14\" fill=\"#005eb8\"/>"
                svg += "<text x=\"\(number(labelW + w + 4))\" y=\"\(number(cy + 4))\" font-size=\"11\" fill=\"#212b32\">\(v)</text>"
            } else {
                svg += "<text x=\"\(number(labelW + 4))\" y=\"\(number(cy + 4))\" font-size=\"11\" fill=\"#4c6272\">[c]</text>"
            }
        }
        return svg + "</svg>"
    }
}
