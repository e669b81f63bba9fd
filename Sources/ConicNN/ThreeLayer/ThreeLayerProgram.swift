import ConicSolver

/// How the squared loss enters the three-layer program: the Gram form `½aᵀMᵀMa − (Mᵀy)ᵀa`
/// (a dense block of order `Gd̃` in the Newton system), or residuals `r = Ma − y` with `½‖r‖²`
/// (equality rows instead: cheaper once `Gd̃` is several times `n`, as the dense block's cube
/// outgrows the `n` dense rows).
public enum ThreeLayerLossFormulation: String, Sendable, CaseIterable {
    case gram, residual
}

/// The convex program of ICML 2021 Theorem 1 (eq. 12) over a set of units, in the solver's form
/// `min ½xᵀPx + qᵀx  s.t.  Ax + s = b, s ∈ K`:
///
///     minimize   ½‖Σᵤ D₂ᵤ Σⱼ Iᵤⱼ D₁ᵤⱼ X̃ (vᵤⱼ − wᵤⱼ) − y‖² + β Σᵤⱼ (‖vᵤⱼ‖ + ‖wᵤⱼ‖)
///     subject to (2D₁ᵤⱼ − I)X̃zᵤⱼ ≥ 0,  (2D₂ᵤ − I) Σⱼ Iᵤⱼ D₁ᵤⱼ X̃zᵤⱼ ≥ 0   for z = v and z = w,
///
/// a group-ℓ1 problem with one `d̃`-dimensional group per neuron (the unit-Frobenius constraint
/// on `W₁` and the weight decay on `w₂`, `w₃` give the gauge `Σⱼ‖zⱼ‖` of a sub-network; see
/// ``ThreeLayerUnit``). `v` are the units with a positive output weight `w₃`, `w` the negative ones.
///
/// As in ``ConvexReLUProgram`` the variables are `x = [a | w | t]` with `a = v − w`, so that the
/// squared loss is the Gram form `½aᵀMᵀMa − (Mᵀy)ᵀa + ½‖y‖²` on the `a` block alone
/// (`M = [D₂ᵤIᵤⱼD₁ᵤⱼX̃]`); `t` holds one second-order cone `(t, z)` per neuron and copy.
///
/// Rows: the sign constraints listed in ``SignRows`` (nonnegative cone; rows whose coefficients
/// all vanish are left out), then the cones. Most sign constraints are redundant (a cone in `ℝ^d̃`
/// cut by `n` half-spaces has few facets), so ``ThreeLayerTrainer`` starts from a subset and adds
/// the ones a solution violates.
struct ThreeLayerProgram {
    /// Which sign constraints the program holds: samples per neuron (first layer) and per unit
    /// (second layer), the same for both output signs.
    struct SignRows: Equatable {
        var firstLayer: [[Int]]
        var secondLayer: [[Int]]

        /// Every constraint.
        static func all(_ units: ThreeLayerUnits, design: DenseMatrix) -> SignRows {
            let samples = (0..<design.rowCount).filter { k in (0..<design.columnCount).contains { design[k, $0] != 0 } }
            return SignRows(firstLayer: units.units.flatMap { unit in Array(repeating: samples, count: unit.neuronCount) },
                            secondLayer: units.units.map { unit in samples.filter { unit.reaches($0) } })
        }

        var count: Int { firstLayer.reduce(0) { $0 + $1.count } + secondLayer.reduce(0) { $0 + $1.count } }

        /// A first guess at the facets: for units with a known feasible point (sampled units), the
        /// `keep` constraints of each cone closest to being tight there (smallest margin over
        /// `‖x̃ₖ‖`); every constraint of the others.
        static func initial(_ units: ThreeLayerUnits, design: DenseMatrix, keep: Int) -> SignRows {
            var rows = all(units, design: design)
            let d = design.columnCount
            let rowNorms = (0..<design.rowCount).map { k in euclideanNorm((0..<d).map { design[k, $0] }) }
            var start = 0
            for (u, unit) in units.units.enumerated() {
                defer { start += unit.neuronCount }
                guard let gate = units.gates[u] else { continue }
                func nearest(_ samples: [Int], _ margin: (Int) -> Double) -> [Int] {
                    guard samples.count > keep else { return samples }
                    return samples.map { ($0, margin($0) / rowNorms[$0]) }.sorted { $0.1 < $1.1 }.prefix(keep).map(\.0).sorted()
                }
                func h(_ j: Int, _ k: Int) -> Double { (0..<d).reduce(0) { $0 + design[k, $1] * gate[j][$1] } }
                for j in 0..<unit.neuronCount {
                    rows.firstLayer[start + j] = nearest(rows.firstLayer[start + j]) { k in (unit.firstLayer[j][k] ? 1 : -1) * h(j, k) }
                }
                rows.secondLayer[u] = nearest(rows.secondLayer[u]) { k in
                    (unit.secondLayer[k] ? 1 : -1) * (0..<unit.neuronCount).reduce(0) { $0 + (unit.firstLayer[$1][k] ? unit.signs[$1] * h($1, k) : 0) }
                }
            }
            return rows
        }
    }

    let design: DenseMatrix
    let units: ThreeLayerUnits
    /// First global neuron index of each unit; neuron `g` owns columns `g·d̃ ..< (g+1)·d̃` of `a`.
    let neuronStart: [Int]
    let neuronCount: Int
    /// `M`, `n × G·d̃`.
    let features: DenseMatrix
    let problem: ConicProblem

    var width: Int { design.columnCount }

    let signRows: SignRows

    typealias Formulation = ThreeLayerLossFormulation
    let formulation: Formulation

    /// The Gram form while its dense block is at most twice the sample count (measured on the
    /// benchmark sizes of docs/nn-deep.md), residuals beyond.
    static func formulation(neurons: Int, width: Int, samples: Int) -> Formulation {
        neurons * width <= 2 * samples ? .gram : .residual
    }

    init(design: DenseMatrix, targets y: [Double], beta: Double, units: ThreeLayerUnits, signRows: SignRows? = nil,
         formulation requested: Formulation? = nil) throws {
        let n = design.rowCount, d = design.columnCount
        precondition(y.count == n && units.sampleCount == n)
        self.design = design
        self.units = units
        var starts = [Int](), total = 0
        for unit in units.units { starts.append(total); total += unit.neuronCount }
        neuronStart = starts
        neuronCount = total
        let included = signRows ?? .all(units, design: design)
        self.signRows = included
        let g = total, aCount = g * d
        let formulation = requested ?? Self.formulation(neurons: g, width: d, samples: n)
        self.formulation = formulation
        let tStart = 2 * aCount, rStart = tStart + 2 * g, variableCount = rStart + (formulation == .residual ? n : 0)

        var m = DenseMatrix(rowCount: n, columnCount: aCount)
        for (u, unit) in units.units.enumerated() {
            for j in 0..<unit.neuronCount {
                let column = (starts[u] + j) * d
                for k in 0..<n where unit.secondLayer[k] && unit.firstLayer[j][k] {
                    for c in 0..<d { m[k, column + c] = unit.signs[j] * design[k, c] }
                }
            }
        }
        features = m

        var rows = [Int](), columns = [Int](), values = [Double]()
        var row = 0
        // z's columns for copy 0 (v = a + w) and copy 1 (w).
        func add(copy: Int, neuron: Int, entry c: Int, value: Double) {
            guard value != 0 else { return }
            rows.append(row); columns.append((g + neuron) * d + c); values.append(value)
            if copy == 0 { rows.append(row); columns.append(neuron * d + c); values.append(value) }
        }
        for copy in 0..<2 {
            for (u, unit) in units.units.enumerated() {
                for j in 0..<unit.neuronCount {
                    for k in included.firstLayer[starts[u] + j] {  // −(2D₁ − I)X̃z ≤ 0
                        let sign: Double = unit.firstLayer[j][k] ? 1 : -1
                        for c in 0..<d { add(copy: copy, neuron: starts[u] + j, entry: c, value: -sign * design[k, c]) }
                        row += 1
                    }
                }
                for k in included.secondLayer[u] {  // −(2D₂ − I)ΣⱼIⱼD₁ⱼX̃zⱼ ≤ 0
                    let sign: Double = unit.secondLayer[k] ? 1 : -1
                    for j in 0..<unit.neuronCount where unit.firstLayer[j][k] {
                        for c in 0..<d { add(copy: copy, neuron: starts[u] + j, entry: c, value: -sign * unit.signs[j] * design[k, c]) }
                    }
                    row += 1
                }
            }
        }
        let signRowCount = row
        for copy in 0..<2 {
            for neuron in 0..<g {
                rows.append(row); columns.append(tStart + 2 * neuron + copy); values.append(-1)
                row += 1
                for c in 0..<d { add(copy: copy, neuron: neuron, entry: c, value: -1); row += 1 }
            }
        }
        let coneRows = row
        var b = [Double](repeating: 0, count: row)
        var pRows = [Int](), pColumns = [Int](), pValues = [Double]()
        var q = [Double](repeating: 0, count: variableCount)
        for k in tStart..<rStart { q[k] = beta }
        var constant = 0.0
        switch formulation {
        case .residual:  // r − Ma = −y, ½‖r‖²
            for k in 0..<n {
                for column in 0..<aCount where m[k, column] != 0 {
                    rows.append(row); columns.append(column); values.append(-m[k, column])
                }
                rows.append(row); columns.append(rStart + k); values.append(1)
                b.append(-y[k])
                pRows.append(rStart + k); pColumns.append(rStart + k); pValues.append(1)
                row += 1
            }
        case .gram:  // upper triangle of MᵀM on the a block
            let gram = m.multiplied(by: m, transposeSelf: true)
            for column in 0..<aCount {
                for r in 0...column where gram[r, column] != 0 {
                    pRows.append(r); pColumns.append(column); pValues.append(gram[r, column])
                }
            }
            let linear = m.transposeMultiplied(by: y)
            for k in 0..<aCount { q[k] = -linear[k] }
            constant = 0.5 * y.reduce(0) { $0 + $1 * $1 }
        }
        let a = try SparseMatrix(rowCount: row, columnCount: variableCount, rows: rows, columns: columns, values: values, name: "A")
        let p = try SparseMatrix(rowCount: variableCount, columnCount: variableCount, rows: pRows, columns: pColumns,
                                 values: pValues, name: "P")
        var cones = [ConeSpec]()
        if signRowCount > 0 { cones.append(.nonnegative(signRowCount)) }
        cones.append(contentsOf: Array(repeating: .secondOrder(d + 1), count: 2 * g))
        if row > coneRows { cones.append(.zero(row - coneRows)) }
        problem = try ConicProblem(P: p, q: q, A: a, b: b, cones: cones, objectiveConstant: constant)
    }

    /// Sign constraints of the full program that the blocks violate by more than `tolerance`
    /// relative to `‖x̃ₖ‖` times the norms involved; sub-networks (a unit's `v` or `w` blocks) with
    /// `Σ‖zⱼ‖` below `negligible` are not checked (they are pruned).
    func violations(_ blocks: [(v: [Double], w: [Double])], tolerance: Double, negligible: Double) -> SignRows {
        let n = design.rowCount, d = width
        let all = SignRows.all(units, design: design)
        let rowNorms = (0..<n).map { k in euclideanNorm((0..<d).map { design[k, $0] }) }
        var out = SignRows(firstLayer: all.firstLayer.map { _ in [] }, secondLayer: all.secondLayer.map { _ in [] })
        for (u, unit) in units.units.enumerated() {
            let range = neuronStart[u]..<(neuronStart[u] + unit.neuronCount)
            for copy in 0..<2 {
                let z = range.map { copy == 0 ? blocks[$0].v : blocks[$0].w }
                let norms = z.map { euclideanNorm($0) }
                let total = norms.reduce(0, +)
                guard total > negligible else { continue }
                var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: unit.neuronCount)
                for j in 0..<unit.neuronCount { for k in 0..<n { for c in 0..<d { h[j][k] += design[k, c] * z[j][c] } } }
                let included1 = range.map { Set(signRows.firstLayer[$0]) }, included2 = Set(signRows.secondLayer[u])
                for j in 0..<unit.neuronCount {
                    for k in all.firstLayer[range.lowerBound + j] where !included1[j].contains(k) {
                        let sign: Double = unit.firstLayer[j][k] ? 1 : -1
                        if sign * h[j][k] < -tolerance * rowNorms[k] * norms[j], !out.firstLayer[range.lowerBound + j].contains(k) {
                            out.firstLayer[range.lowerBound + j].append(k)
                        }
                    }
                }
                for k in all.secondLayer[u] where !included2.contains(k) {
                    let sign: Double = unit.secondLayer[k] ? 1 : -1
                    var value = 0.0
                    for j in 0..<unit.neuronCount where unit.firstLayer[j][k] { value += unit.signs[j] * h[j][k] }
                    if sign * value < -tolerance * rowNorms[k] * total, !out.secondLayer[u].contains(k) { out.secondLayer[u].append(k) }
                }
            }
        }
        return out
    }

    /// The blocks `(v_g, w_g)` of every neuron of a primal solution.
    func blocks(of x: [Double]) -> [(v: [Double], w: [Double])] {
        let d = width
        return (0..<neuronCount).map { neuron in
            let a = Array(x[(neuron * d)..<((neuron + 1) * d)])
            let w = Array(x[((neuronCount + neuron) * d)..<((neuronCount + neuron + 1) * d)])
            return (zip(a, w).map(+), w)
        }
    }
}

/// A solution of the three-layer convex program: per neuron of every unit, the blocks `v` and
/// `w`, with the model's predictions, its objective, and the network it maps to (Proposition 1).
public struct ThreeLayerConvexModel: Sendable, Equatable {
    /// The units the program was built over.
    public let units: ThreeLayerUnits
    /// `(v_g, w_g)` for every neuron `g` of every unit, in unit order.
    public let blocks: [(v: [Double], w: [Double])]
    /// Whether the design has a ones column (a first-layer bias).
    public let hasBias: Bool

    public static func == (lhs: ThreeLayerConvexModel, rhs: ThreeLayerConvexModel) -> Bool {
        lhs.units == rhs.units && lhs.hasBias == rhs.hasBias && lhs.blocks.count == rhs.blocks.count
            && zip(lhs.blocks, rhs.blocks).allSatisfy { $0.v == $1.v && $0.w == $1.w }
    }

    /// The convex model's outputs `Σᵤ D₂ᵤ Σⱼ Iᵤⱼ D₁ᵤⱼ X̃(vᵤⱼ − wᵤⱼ)` on the training samples.
    public func predictions(design: DenseMatrix) -> [Double] {
        var f = [Double](repeating: 0, count: design.rowCount)
        var neuron = 0
        for unit in units.units {
            for j in 0..<unit.neuronCount {
                let (v, w) = blocks[neuron]
                neuron += 1
                for k in 0..<design.rowCount where unit.secondLayer[k] && unit.firstLayer[j][k] {
                    var h = 0.0
                    for c in 0..<design.columnCount { h += design[k, c] * (v[c] - w[c]) }
                    f[k] += unit.signs[j] * h
                }
            }
        }
        return f
    }

    /// `β Σ (‖v‖ + ‖w‖)`, the group-ℓ1 regularizer.
    public func regularization(beta: Double) -> Double {
        beta * blocks.reduce(0) { $0 + euclideanNorm($1.v) + euclideanNorm($1.w) }
    }

    /// The convex objective `½‖f − y‖² + β Σ (‖v‖ + ‖w‖)`.
    public func objective(design: DenseMatrix, targets y: [Double], beta: Double) -> Double {
        Loss.squared.value(predictions: predictions(design: design), targets: y) + regularization(beta: beta)
    }

    /// The model with every sub-network (a unit's `v` or `w` blocks together) whose `Σⱼ‖zⱼ‖` is at
    /// most `threshold` times the largest set to zero. A unit is pruned whole: dropping one of its
    /// neurons would break its second-layer sign constraint, which holds for the sum.
    public func pruned(threshold: Double) -> ThreeLayerConvexModel {
        let sums = unitSums
        let largest = sums.map { max($0.v, $0.w) }.max() ?? 0
        let zero = [Double](repeating: 0, count: blocks.first?.v.count ?? 0)
        var kept = blocks
        var start = 0
        for (unit, sum) in zip(units.units, sums) {
            for g in start..<(start + unit.neuronCount) {
                if sum.v <= threshold * largest { kept[g].v = zero }
                if sum.w <= threshold * largest { kept[g].w = zero }
            }
            start += unit.neuronCount
        }
        return ThreeLayerConvexModel(units: units, blocks: kept, hasBias: hasBias)
    }

    /// `Σⱼ‖vⱼ‖` and `Σⱼ‖wⱼ‖` of every unit.
    var unitSums: [(v: Double, w: Double)] {
        var sums = [(v: Double, w: Double)]()
        var start = 0
        for unit in units.units {
            let range = start..<(start + unit.neuronCount)
            sums.append((range.reduce(0) { $0 + euclideanNorm(blocks[$1].v) }, range.reduce(0) { $0 + euclideanNorm(blocks[$1].w) }))
            start += unit.neuronCount
        }
        return sums
    }

    /// The sizes `Σⱼ‖zⱼ‖` of all sub-networks (both output signs of every unit).
    var subNetworkSizes: [Double] { unitSums.flatMap { [$0.v, $0.w] } }

    /// Proposition 1: each unit and output sign with `s = Σⱼ‖zⱼ‖ > 0` becomes the sub-network
    /// `W₁ = [zⱼ/√(s‖zⱼ‖)]`, `w₂ⱼ = Iⱼ√‖zⱼ‖`, `w₃ = ±√s`: then `‖W₁‖_F = 1`, `‖w₂‖² = w₃² = s`
    /// (so the weight decay is `βs`, the unit's share of the group-ℓ1 term), and the sub-network's
    /// output is `±D₂ΣⱼIⱼD₁ⱼX̃zⱼ` wherever the sign constraints hold. Neurons with `zⱼ = 0` are left out.
    public func network() -> ThreeLayerNetwork {
        var subNetworks = [ThreeLayerNetwork.SubNetwork]()
        let d = blocks.first?.v.count ?? 0
        var start = 0
        for unit in units.units {
            defer { start += unit.neuronCount }
            for copy in 0..<2 {
                let z = (0..<unit.neuronCount).map { copy == 0 ? blocks[start + $0].v : blocks[start + $0].w }
                let norms = z.map { euclideanNorm($0) }
                let s = norms.reduce(0, +)
                guard s > 0 else { continue }
                let used = (0..<unit.neuronCount).filter { norms[$0] > 0 }
                var w1 = DenseMatrix(rowCount: d, columnCount: used.count)
                for (column, j) in used.enumerated() {
                    let scale = 1 / (s * norms[j]).squareRoot()
                    for c in 0..<d { w1[c, column] = z[j][c] * scale }
                }
                subNetworks.append(.init(firstLayer: w1, secondLayer: used.map { unit.signs[$0] * norms[$0].squareRoot() },
                                         output: copy == 0 ? s.squareRoot() : -s.squareRoot()))
            }
        }
        return ThreeLayerNetwork(subNetworks: subNetworks, hasBias: hasBias)
    }
}
