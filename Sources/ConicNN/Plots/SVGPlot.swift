import ConicSolver
import Foundation

/// A small, dependency-free writer of SVG charts: generic line charts and the two pictures of
/// one-dimensional networks (a fit with its neurons, and hinge-loss decision regions).
///
/// Every function returns a complete standalone SVG document as a string (write it to a `.svg`
/// file). Non-finite data points are skipped, text is XML-escaped, and axes get "nice" ticks
/// (1, 2, 5 × 10ᵏ, or decades on a logarithmic axis).
public enum SVGPlot {
    /// Default canvas size in pixels.
    public static let defaultSize = (width: 720.0, height: 450.0)

    /// Colours used for series, in order.
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
                          "#bcbd22", "#17becf"]

    // MARK: - Public charts

    /// A line chart of several named series with a legend.
    ///
    /// - Parameters:
    ///   - series: each series' name and its `(x, y)` points, drawn in the given order as a line
    ///     with markers. On a log axis, points with `y ≤ 0` are left out.
    ///   - title: an optional title above the plot.
    ///   - xLabel, yLabel: axis labels.
    ///   - logY: a base-10 logarithmic y axis.
    ///   - width, height: canvas size in pixels.
    /// - Returns: the SVG document.
    public static func lineChart(series: [(name: String, points: [(Double, Double)])], title: String? = nil,
                                 xLabel: String, yLabel: String, logY: Bool = false,
                                 width: Double = defaultSize.width, height: Double = defaultSize.height) -> String {
        let cleaned = series.map { entry in
            (name: entry.name, points: entry.points.filter { $0.0.isFinite && $0.1.isFinite && (!logY || $0.1 > 0) })
        }
        let all = cleaned.flatMap { $0.points }
        var canvas = Canvas(width: width, height: height, title: title,
                            xRange: range(all.map { $0.0 }), yRange: range(all.map { $0.1 }, log: logY), logY: logY)
        canvas.drawAxes(xLabel: xLabel, yLabel: yLabel)
        for (index, entry) in cleaned.enumerated() {
            let colour = palette[index % palette.count]
            canvas.polyline(entry.points, colour: colour, width: 2)
            for point in entry.points { canvas.marker(point, colour: colour, radius: 3) }
        }
        canvas.legend(cleaned.enumerated().map { (name: $0.element.name, colour: palette[$0.offset % palette.count], dashed: false) })
        return canvas.document()
    }

    /// A one-dimensional fit: the samples, the network's function and each neuron's contribution.
    ///
    /// - Parameters:
    ///   - inputs: the samples' coordinates `tᵢ` on the line (the 1-D inputs).
    ///   - targets: one target per sample (the plotted output).
    ///   - network: the network; it is evaluated at `t·direction`.
    ///   - direction: the unit direction of the line in input space (`nil`: `[1]`, for 1-D inputs).
    ///   - output: which output of a vector-output network to draw.
    ///   - showNeurons: draw every neuron's term `αⱼ(uⱼᵀx̃)₊` as a thin dashed line.
    ///   - title, xLabel, yLabel, width, height: as in ``lineChart(series:title:xLabel:yLabel:logY:width:height:)``.
    public static func oneDimensionalFit(inputs: [Double], targets: [Double], network: TwoLayerNetwork,
                                         direction: [Double]? = nil, output: Int = 0, showNeurons: Bool = true,
                                         title: String? = nil, xLabel: String = "x", yLabel: String = "y",
                                         width: Double = defaultSize.width, height: Double = defaultSize.height) -> String {
        let data = zip(inputs, targets).filter { $0.0.isFinite && $0.1.isFinite }
        let grid = gridPoints(data.map { $0.0 })
        let (values, terms) = evaluate(network, at: grid, direction: direction, output: output)
        let curve = Array(zip(grid, values))
        let termCurves = showNeurons ? terms.map { Array(zip(grid, $0)) } : []
        let ys = data.map { $0.1 } + values + termCurves.flatMap { $0.map { $0.1 } }
        var canvas = Canvas(width: width, height: height, title: title, xRange: range(grid), yRange: range(ys), logY: false)
        canvas.drawAxes(xLabel: xLabel, yLabel: yLabel)
        for (index, term) in termCurves.enumerated() {
            canvas.polyline(term, colour: palette[(index + 2) % palette.count], width: 1, dashed: true, opacity: 0.7)
        }
        canvas.polyline(curve, colour: palette[0], width: 2.5)
        for point in data { canvas.marker(point, colour: "#000000", radius: 3.5) }
        var legend = [(name: "network f(x)", colour: palette[0], dashed: false), (name: "samples", colour: "#000000", dashed: false)]
        if !termCurves.isEmpty { legend.append((name: "neurons (\(termCurves.count))", colour: palette[2], dashed: true)) }
        canvas.legend(legend)
        return canvas.document()
    }

    /// Hinge-loss decision regions of a one-dimensional classifier: the intervals where the
    /// network's output is positive (green) or negative (red) shaded, the function, the margins
    /// `f = ±1`, and the samples at height `yᵢ = ±1` coloured by label.
    ///
    /// Parameters as in ``oneDimensionalFit(inputs:targets:network:direction:output:showNeurons:title:xLabel:yLabel:width:height:)``;
    /// `labels` are the ±1 labels. The y axis shows at most `[−valueLimit, valueLimit]` (the
    /// function is clipped there), since a steep fit would otherwise flatten the margins.
    public static func decisionRegions(inputs: [Double], labels: [Double], network: TwoLayerNetwork,
                                       direction: [Double]? = nil, valueLimit: Double = 3, title: String? = nil, xLabel: String = "x",
                                       yLabel: String = "f(x)", width: Double = defaultSize.width,
                                       height: Double = defaultSize.height) -> String {
        let data = zip(inputs, labels).filter { $0.0.isFinite && $0.1.isFinite }
        let grid = gridPoints(data.map { $0.0 }, count: 800)
        let (values, _) = evaluate(network, at: grid, direction: direction, output: 0)
        let positive = "#2ca02c", negative = "#d62728"
        var canvas = Canvas(width: width, height: height, title: title, xRange: range(grid),
                            yRange: range(values.map { min(max($0, -valueLimit), valueLimit) } + [-1.2, 1.2]), logY: false)
        // Shade maximal runs of one sign; boundaries halfway between grid points.
        var start = 0
        for k in 1...grid.count where k == grid.count || (values[k] >= 0) != (values[start] >= 0) {
            let left = start == 0 ? grid[0] : (grid[start - 1] + grid[start]) / 2
            let right = k == grid.count ? grid[k - 1] : (grid[k - 1] + grid[k]) / 2
            canvas.band(from: left, to: right, colour: values[start] >= 0 ? positive : negative, opacity: 0.15)
            start = k
        }
        canvas.drawAxes(xLabel: xLabel, yLabel: yLabel)
        for level in [-1.0, 1.0] {
            canvas.polyline([(grid[0], level), (grid[grid.count - 1], level)], colour: "#999999", width: 1, dashed: true)
        }
        canvas.polyline([(grid[0], 0), (grid[grid.count - 1], 0)], colour: "#555555", width: 1)
        canvas.polyline(Array(zip(grid, values)), colour: palette[0], width: 2.5)
        for point in data { canvas.marker(point, colour: point.1 > 0 ? positive : negative, radius: 4) }
        canvas.legend([(name: "network f(x)", colour: palette[0], dashed: false),
                       (name: "label +1 / f > 0", colour: positive, dashed: false),
                       (name: "label −1 / f < 0", colour: negative, dashed: false)])
        return canvas.document()
    }

    // MARK: - Helpers

    /// `count` evenly spaced points over the inputs' range widened by 5% on each side.
    static func gridPoints(_ inputs: [Double], count: Int = 400) -> [Double] {
        let (low, high) = range(inputs)
        let pad = 0.05 * (high - low)
        return (0..<count).map { low - pad + (high - low + 2 * pad) * Double($0) / Double(count - 1) }
    }

    /// The network's output `output` and each neuron's term at the points `t·direction`.
    static func evaluate(_ network: TwoLayerNetwork, at grid: [Double], direction: [Double]?,
                         output: Int) -> (values: [Double], terms: [[Double]]) {
        let unit = direction ?? [Double](repeating: 1, count: max(1, network.inputDimension))
        precondition(unit.count == network.inputDimension, "SVGPlot: direction has \(unit.count) entries, network expects \(network.inputDimension)")
        precondition(output >= 0 && output < max(1, network.outputCount), "SVGPlot: no output \(output)")
        let features = DenseMatrix(rowCount: grid.count, columnCount: unit.count, values: grid.flatMap { t in unit.map { t * $0 } })
        guard network.width > 0 else { return ([Double](repeating: 0, count: grid.count), []) }
        let hidden = network.hiddenActivations(features)
        var values = [Double](repeating: 0, count: grid.count)
        var terms = [[Double]]()
        for j in 0..<network.width {
            let alpha = network.outputWeights[j, output]
            let term = (0..<grid.count).map { alpha * hidden[$0, j] }
            for k in values.indices { values[k] += term[k] }
            terms.append(term)
        }
        return (values, terms)
    }

    /// `[min, max]` of the finite values (log10 of the positive ones when `log`), widened when empty or flat.
    static func range(_ values: [Double], log: Bool = false) -> (Double, Double) {
        let finite = values.filter { $0.isFinite && (!log || $0 > 0) }.map { log ? log10($0) : $0 }
        guard var low = finite.min(), var high = finite.max() else { return (0, 1) }
        if high - low < 1e-12 * max(1, abs(low)) { low -= 0.5; high += 0.5 }
        return (low, high)
    }

    /// Tick positions `k·step` with `step ∈ {1, 2, 5} × 10ᵉ`, about `target` of them inside `[low, high]`.
    static func niceTicks(_ low: Double, _ high: Double, target: Int = 6) -> [Double] {
        let raw = (high - low) / Double(max(1, target))
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks = [Double]()
        var k = ceil(low / step - 1e-9)
        while k * step <= high + 1e-9 * step {
            ticks.append(abs(k * step) < 1e-12 * step ? 0 : k * step)
            k += 1
        }
        return ticks
    }

    /// Text with XML's special characters escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            default: out.append(character)
            }
        }
        return out
    }

    /// A coordinate with two decimals (always finite: callers clamp).
    static func number(_ value: Double) -> String { String(format: "%.2f", value) }

    /// A tick label: compact `%g` style.
    static func label(_ value: Double) -> String { String(format: "%g", value) }

    /// The drawing state of one chart: data ranges, plot rectangle and the accumulated elements.
    struct Canvas {
        let width: Double, height: Double
        let title: String?
        /// Data ranges; the y range is in log10 units when `logY`.
        let xRange: (Double, Double), yRange: (Double, Double)
        let logY: Bool
        let left = 78.0, right = 20.0, top: Double, bottom = 56.0
        var body: [String] = []

        init(width: Double, height: Double, title: String?, xRange: (Double, Double), yRange: (Double, Double), logY: Bool) {
            self.width = width
            self.height = height
            self.title = title
            self.logY = logY
            top = title == nil ? 20 : 44
            // A little headroom so that markers on the extremes stay inside the frame.
            let xPad = 0.02 * (xRange.1 - xRange.0), yPad = 0.05 * (yRange.1 - yRange.0)
            self.xRange = (xRange.0 - xPad, xRange.1 + xPad)
            self.yRange = logY ? (floor(yRange.0), ceil(yRange.1)) : (yRange.0 - yPad, yRange.1 + yPad)
        }

        var plotWidth: Double { width - left - right }
        var plotHeight: Double { height - top - bottom }

        /// Pixel column of data `x`, clamped just outside the frame.
        func px(_ x: Double) -> Double {
            let value = left + (x - xRange.0) / (xRange.1 - xRange.0) * plotWidth
            return min(max(value, -width), 2 * width)
        }

        /// Pixel row of data `y` (log10 applied when `logY`), clamped.
        func py(_ y: Double) -> Double {
            let v = logY ? log10(max(y, .leastNormalMagnitude)) : y
            let value = top + (1 - (v - yRange.0) / (yRange.1 - yRange.0)) * plotHeight
            return min(max(value, -height), 2 * height)
        }

        mutating func drawAxes(xLabel: String, yLabel: String) {
            body.append("<rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\" fill=\"none\" stroke=\"#333333\" stroke-width=\"1\"/>")
            for tick in niceTicks(xRange.0, xRange.1) {
                let x = px(tick)
                body.append("<line x1=\"\(number(x))\" y1=\"\(number(top))\" x2=\"\(number(x))\" y2=\"\(number(top + plotHeight))\" stroke=\"#e5e5e5\" stroke-width=\"1\"/>")
                body.append("<line x1=\"\(number(x))\" y1=\"\(number(top + plotHeight))\" x2=\"\(number(x))\" y2=\"\(number(top + plotHeight + 5))\" stroke=\"#333333\"/>")
                body.append("<text x=\"\(number(x))\" y=\"\(number(top + plotHeight + 19))\" text-anchor=\"middle\">\(escape(label(tick)))</text>")
            }
            let yTicks: [Double] = logY
                ? stride(from: yRange.0, through: yRange.1, by: max(1, ceil((yRange.1 - yRange.0) / 8))).map { pow(10, $0) }
                : niceTicks(yRange.0, yRange.1)
            for tick in yTicks {
                let y = py(tick)
                body.append("<line x1=\"\(number(left))\" y1=\"\(number(y))\" x2=\"\(number(left + plotWidth))\" y2=\"\(number(y))\" stroke=\"#e5e5e5\" stroke-width=\"1\"/>")
                body.append("<line x1=\"\(number(left - 5))\" y1=\"\(number(y))\" x2=\"\(number(left))\" y2=\"\(number(y))\" stroke=\"#333333\"/>")
                let text = logY ? "1e\(Int(log10(tick).rounded()))" : label(tick)
                body.append("<text x=\"\(number(left - 8))\" y=\"\(number(y + 4))\" text-anchor=\"end\">\(escape(text))</text>")
            }
            body.append("<text x=\"\(number(left + plotWidth / 2))\" y=\"\(number(height - 14))\" text-anchor=\"middle\" font-size=\"14\">\(escape(xLabel))</text>")
            let cy = top + plotHeight / 2
            body.append("<text x=\"18\" y=\"\(number(cy))\" text-anchor=\"middle\" font-size=\"14\" transform=\"rotate(-90 18 \(number(cy)))\">\(escape(yLabel))</text>")
        }

        mutating func polyline(_ points: [(Double, Double)], colour: String, width: Double, dashed: Bool = false,
                               opacity: Double = 1) {
            let finite = points.filter { $0.0.isFinite && $0.1.isFinite }
            guard finite.count >= 2 else { return }
            let coordinates = finite.map { "\(number(px($0.0))),\(number(py($0.1)))" }.joined(separator: " ")
            body.append("<polyline points=\"\(coordinates)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"\(number(width))\"\(dashed ? " stroke-dasharray=\"5,4\"" : "") stroke-opacity=\"\(number(opacity))\" clip-path=\"url(#plot)\"/>")
        }

        mutating func marker(_ point: (Double, Double), colour: String, radius: Double) {
            guard point.0.isFinite, point.1.isFinite else { return }
            body.append("<circle cx=\"\(number(px(point.0)))\" cy=\"\(number(py(point.1)))\" r=\"\(number(radius))\" fill=\"\(colour)\" stroke=\"#ffffff\" stroke-width=\"0.8\"/>")
        }

        /// A vertical band over the whole plot height between data `x` values.
        mutating func band(from x0: Double, to x1: Double, colour: String, opacity: Double) {
            let a = max(px(x0), left), b = min(px(x1), left + plotWidth)
            guard b > a else { return }
            body.append("<rect x=\"\(number(a))\" y=\"\(number(top))\" width=\"\(number(b - a))\" height=\"\(number(plotHeight))\" fill=\"\(colour)\" fill-opacity=\"\(number(opacity))\"/>")
        }

        mutating func legend(_ entries: [(name: String, colour: String, dashed: Bool)]) {
            guard !entries.isEmpty else { return }
            let longest = entries.map { $0.name.count }.max() ?? 0
            let boxWidth = 40 + 7 * Double(longest), boxHeight = 8 + 18 * Double(entries.count)
            let x = left + plotWidth - boxWidth - 8, y = top + 8
            body.append("<rect x=\"\(number(x))\" y=\"\(number(y))\" width=\"\(number(boxWidth))\" height=\"\(number(boxHeight))\" fill=\"#ffffff\" fill-opacity=\"0.85\" stroke=\"#cccccc\"/>")
            for (index, entry) in entries.enumerated() {
                let rowY = y + 15 + 18 * Double(index)
                body.append("<line x1=\"\(number(x + 8))\" y1=\"\(number(rowY - 4))\" x2=\"\(number(x + 30))\" y2=\"\(number(rowY - 4))\" stroke=\"\(entry.colour)\" stroke-width=\"2.5\"\(entry.dashed ? " stroke-dasharray=\"5,4\"" : "")/>")
                body.append("<text x=\"\(number(x + 36))\" y=\"\(number(rowY))\">\(escape(entry.name))</text>")
            }
        }

        func document() -> String {
            var lines = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(number(width))\" height=\"\(number(height))\" viewBox=\"0 0 \(number(width)) \(number(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">"]
            lines.append("<defs><clipPath id=\"plot\"><rect x=\"\(number(left))\" y=\"\(number(top))\" width=\"\(number(plotWidth))\" height=\"\(number(plotHeight))\"/></clipPath></defs>")
            lines.append("<rect x=\"0\" y=\"0\" width=\"\(number(width))\" height=\"\(number(height))\" fill=\"#ffffff\"/>")
            if let title {
                lines.append("<text x=\"\(number(width / 2))\" y=\"26\" text-anchor=\"middle\" font-size=\"16\">\(escape(title))</text>")
            }
            lines += body
            lines.append("</svg>")
            return lines.joined(separator: "\n") + "\n"
        }
    }
}
