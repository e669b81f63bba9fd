import ConicSolver

/// The rows of one cone block, collected as triplets before the blocks are stacked.
private struct RowBlock {
    var rows: [Int] = [], columns: [Int] = [], values: [Double] = [], rhs: [Double] = []
    var count: Int { rhs.count }

    mutating func add(_ column: Int, _ value: Double) {
        rows.append(rhs.count); columns.append(column); values.append(value)
    }

    mutating func finish(_ b: Double) { rhs.append(b) }
}

/// The conic program of ``OneDimensionalTrainer`` over the extreme-point neurons of `p` sorted
/// positions `t₀ < … < t_{p−1}`: `Rⱼ(t) = (t − tⱼ)₊` for `j < p − 1` and `Lⱼ(t) = (tⱼ − t)₊` for
/// `j > 0` (`N = 2(p − 1)` neurons; `R_{p−1}` and `L₀` vanish on the data), output weights
/// `wₙ ∈ ℝᶜ`, and values `fᵢ ∈ ℝᶜ` of the network at the positions.
///
/// Variables `x = [w (N·c) | τ (N) | f (p·c) | form-specific | ξ (n, hinge only)]`, where
/// `τₙ ≥ ‖wₙ‖` (two inequalities for one output, a second-order cone for several).
///
/// - banded: slopes `sᵢ` on `(tᵢ, tᵢ₊₁)` and `Λⱼ = Σ_{j' ≥ j} l_{j'}` (`l` the weights of the
///   `L` neurons, `r` those of the `R` neurons), with `s₀ = r₀ − Λ₁`,
///   `sᵢ = sᵢ₋₁ + rᵢ + lᵢ` and `fᵢ₊₁ = fᵢ + (tᵢ₊₁ − tᵢ)sᵢ`; `f₀` is free, which is the free
///   constant of the unregularized bias.
/// - kernel: `fᵢ = Σₙ Kᵢₙwₙ + c` with the dense kernel and a free constant `c`.
///
/// Rows: equalities (`{0}`), then inequalities (`ℝ₊`), then the second-order cones.
struct OneDimensionalProgram {
    let line: LineProjection
    let objective: TrainingObjective
    let formulation: OneDimensionalFormulation
    let targets: DenseMatrix
    let problem: ConicProblem
    /// Number of distinct positions `p` and outputs `c`.
    let pointCount: Int, outputCount: Int
    /// Offsets of the `τ` and `f` blocks in `x`.
    let tStart: Int, fStart: Int
    /// First row of the interpolation equalities `fᵢ = yᵢ` (interpolation) or of the margin
    /// inequalities `−ξₛ − yₛf_{π(s)} ≤ −1` (hinge), whose multipliers are the dual point.
    let dualRowStart: Int
    /// The target at each position (interpolation only; duplicates agree).
    let pointTargets: [[Double]]
    /// Banded interpolation: the values and slopes are eliminated; rows `0 ..< (p−1)c` are, per
    /// output, the slope row `r₀ − Σlⱼ = s₀` and the kink rows `rᵢ + lᵢ = sᵢ − sᵢ₋₁`.
    let eliminated: Bool

    var neuronCount: Int { 2 * (pointCount - 1) }

    /// Neuron `index` as `(sign, position)`: `(sign·(t − t_position))₊`.
    func neuron(_ index: Int) -> (sign: Double, position: Int) {
        index < pointCount - 1 ? (1, index) : (-1, index - (pointCount - 1) + 1)
    }

    init(line: LineProjection, targets: DenseMatrix, objective: TrainingObjective,
         formulation: OneDimensionalFormulation) throws {
        let t = line.positions, p = t.count, k = targets.columnCount, n = targets.rowCount
        precondition(p >= 2 && line.positionOfSample.count == n)
        self.line = line
        self.objective = objective
        self.formulation = formulation
        self.targets = targets
        pointCount = p
        outputCount = k

        // Targets per position: interpolation needs duplicates to agree.
        var pointTargets = [[Double]](repeating: [], count: p)
        if case .interpolation = objective {
            let scale = targets.values.reduce(0) { max($0, abs($1)) }
            for s in 0..<n {
                let i = line.positionOfSample[s], y = targets.row(s)
                if pointTargets[i].isEmpty {
                    pointTargets[i] = y
                } else if zip(pointTargets[i], y).contains(where: { abs($0 - $1) > 1e-12 * max(1, scale) }) {
                    throw OneDimensionalError.conflictingDuplicates(position: t[i], targets: pointTargets[i] + y)
                }
            }
        }
        self.pointTargets = pointTargets

        let N = 2 * (p - 1)
        var next = 0
        let wStart = next; next += N * k
        let tStart = next; next += N
        // Banded interpolation fixes the values, hence the slopes: only the kink rows remain.
        let eliminated = formulation == .banded && objective == .interpolation
        self.eliminated = eliminated
        let fStart = next; next += eliminated ? 0 : p * k
        var sStart = 0, lambdaStart = 0, cStart = 0
        switch formulation {
        case .banded where eliminated:
            break
        case .banded:
            sStart = next; next += (p - 1) * k
            lambdaStart = next; next += (p - 1) * k
        case .kernel:
            cStart = next; next += k
        }
        var xiStart = 0
        if case .hinge = objective { xiStart = next; next += n }
        let variableCount = next
        self.tStart = tStart
        self.fStart = fStart

        func w(_ neuron: Int, _ o: Int) -> Int { wStart + neuron * k + o }
        func r(_ j: Int, _ o: Int) -> Int { w(j, o) }                  // R_j, j in 0..<p−1
        func l(_ j: Int, _ o: Int) -> Int { w(p - 1 + j - 1, o) }      // L_j, j in 1..<p
        func f(_ i: Int, _ o: Int) -> Int { fStart + i * k + o }
        func s(_ i: Int, _ o: Int) -> Int { sStart + i * k + o }
        func lambda(_ j: Int, _ o: Int) -> Int { lambdaStart + (j - 1) * k + o }

        var equalities = RowBlock(), inequalities = RowBlock(), cones = RowBlock()
        switch formulation {
        case .banded where eliminated:
            // Rows: r₀ − Σ_{j≥1} lⱼ = s₀ (one dense row), then rᵢ + lᵢ = sᵢ − sᵢ₋₁ for interior i,
            // with the slopes sᵢ = (yᵢ₊₁ − yᵢ)/hᵢ of the chords.
            for o in 0..<k {
                var slopes = [Double](repeating: 0, count: p - 1)
                for i in 0..<(p - 1) {
                    let rise: Double = pointTargets[i + 1][o] - pointTargets[i][o]
                    slopes[i] = rise / (t[i + 1] - t[i])
                }
                equalities.add(r(0, o), 1)
                for j in 1..<p { equalities.add(l(j, o), -1) }
                equalities.finish(slopes[0])
                for i in stride(from: 1, to: p - 1, by: 1) {
                    equalities.add(r(i, o), 1); equalities.add(l(i, o), 1)
                    equalities.finish(slopes[i] - slopes[i - 1])
                }
            }
        case .banded:
            for o in 0..<k {
                for j in 1..<p {
                    equalities.add(lambda(j, o), 1)
                    equalities.add(l(j, o), -1)
                    if j < p - 1 { equalities.add(lambda(j + 1, o), -1) }
                    equalities.finish(0)
                }
                equalities.add(s(0, o), 1); equalities.add(r(0, o), -1); equalities.add(lambda(1, o), 1)
                equalities.finish(0)
                for i in stride(from: 1, to: p - 1, by: 1) {
                    equalities.add(s(i, o), 1); equalities.add(s(i - 1, o), -1)
                    equalities.add(r(i, o), -1); equalities.add(l(i, o), -1)
                    equalities.finish(0)
                }
                for i in 0..<(p - 1) {
                    equalities.add(f(i + 1, o), 1); equalities.add(f(i, o), -1); equalities.add(s(i, o), -(t[i + 1] - t[i]))
                    equalities.finish(0)
                }
            }
        case .kernel:
            for i in 0..<p {
                for o in 0..<k {
                    equalities.add(f(i, o), 1)
                    equalities.add(cStart + o, -1)
                    for index in 0..<N {
                        let (sign, j) = (index < p - 1 ? (1.0, index) : (-1.0, index - (p - 1) + 1))
                        let value = max(0, sign * (t[i] - t[j]))
                        if value != 0 { equalities.add(w(index, o), -value) }
                    }
                    equalities.finish(0)
                }
            }
        }

        var q = [Double](repeating: 0, count: variableCount)
        var pDiagonal = [(Int, Double)]()
        var constant = 0.0
        var dualRowStart = 0
        let beta = objective.beta
        switch objective {
        case .interpolation where eliminated:
            dualRowStart = 0
        case .interpolation:
            dualRowStart = equalities.count
            for i in 0..<p {
                for o in 0..<k { equalities.add(f(i, o), 1); equalities.finish(pointTargets[i][o]) }
            }
        case .squared:
            // ½Σₛ‖f_{π(s)} − yₛ‖² = ½Σᵢ mᵢ‖fᵢ‖² − Σᵢ fᵢᵀ(Σ_{s at i} yₛ) + ½‖Y‖².
            var multiplicity = [Double](repeating: 0, count: p)
            for sample in 0..<n {
                let i = line.positionOfSample[sample]
                multiplicity[i] += 1
                for o in 0..<k {
                    let y = targets[sample, o]
                    q[f(i, o)] -= y
                    constant += 0.5 * y * y
                }
            }
            for i in 0..<p { for o in 0..<k { pDiagonal.append((f(i, o), multiplicity[i])) } }
        case .logistic, .crossEntropy:
            preconditionFailure("OneDimensionalTrainer refuses \(objective.name) before building a program")
        case .hinge:
            dualRowStart = inequalities.count
            for sample in 0..<n {
                inequalities.add(xiStart + sample, -1)
                inequalities.add(f(line.positionOfSample[sample], 0), -targets[sample, 0])
                inequalities.finish(-1)
            }
            for sample in 0..<n {
                inequalities.add(xiStart + sample, -1)
                inequalities.finish(0)
                q[xiStart + sample] = 1
            }
        }
        for index in 0..<N { q[tStart + index] = beta }
        if k == 1 {
            for index in 0..<N {
                inequalities.add(w(index, 0), 1); inequalities.add(tStart + index, -1); inequalities.finish(0)
                inequalities.add(w(index, 0), -1); inequalities.add(tStart + index, -1); inequalities.finish(0)
            }
        } else {
            for index in 0..<N {
                cones.add(tStart + index, -1); cones.finish(0)
                for o in 0..<k { cones.add(w(index, o), -1); cones.finish(0) }
            }
        }
        if case .interpolation = objective {
            self.dualRowStart = dualRowStart
        } else if case .hinge = objective {
            self.dualRowStart = equalities.count + dualRowStart
        } else {
            self.dualRowStart = 0
        }

        let e = equalities.count, m = inequalities.count
        let rows = equalities.rows + inequalities.rows.map { $0 + e } + cones.rows.map { $0 + e + m }
        let columns = equalities.columns + inequalities.columns + cones.columns
        let values = equalities.values + inequalities.values + cones.values
        let rowCount = e + m + cones.count
        let A = try SparseMatrix(rowCount: rowCount, columnCount: variableCount, rows: rows, columns: columns,
                                 values: values, name: "A")
        let P = try SparseMatrix(rowCount: variableCount, columnCount: variableCount, rows: pDiagonal.map { $0.0 },
                                 columns: pDiagonal.map { $0.0 }, values: pDiagonal.map { $0.1 }, name: "P")
        var coneList: [ConeSpec] = [.zero(e), .nonnegative(m)]
        if k > 1 { coneList += Array(repeating: .secondOrder(k + 1), count: N) }
        problem = try ConicProblem(P: pDiagonal.isEmpty ? nil : P, q: q, A: A,
                                   b: equalities.rhs + inequalities.rhs + cones.rhs, cones: coneList,
                                   objectiveConstant: constant)
    }

    // MARK: - The network

    /// The network of a solution: the neurons with non-negligible weights, balanced, plus the
    /// free constant (chosen optimally for the kept neurons) as a bias-only neuron.
    ///
    /// A free bias gives a constant `c` only in the limit (`u = 0`, bias `B → ∞`, weight `c/B`);
    /// ``TwoLayerNetwork/balanced()`` puts the constant neuron at `B = 10⁶·max(1, ‖c‖)`, where its
    /// weight decay is below `½·10⁻¹²·β`, far below the solver's accuracy; the returned objective
    /// includes it.
    func network(from x: [Double], features: DenseMatrix, pruneTolerance: Double) -> (TwoLayerNetwork, [Double]) {
        let k = outputCount, d = line.direction.count, t = line.positions
        var weights = (0..<neuronCount).map { index in (0..<k).map { x[index * k + $0] } }
        if k == 1 { weights = concentrated(weights.map { $0[0] }).map { [$0] } }
        let norms = weights.map { euclideanNorm($0) }
        let largest = norms.max() ?? 0
        var inputRows = [[Double]](), outputRows = [[Double]]()
        for index in 0..<neuronCount where norms[index] > pruneTolerance * largest && norms[index] > 0 {
            let (sign, j) = neuron(index)
            inputRows.append(line.direction.map { sign * $0 } + [-sign * t[j]])
            outputRows.append(weights[index])
        }
        var network = TwoLayerNetwork(inputWeights: DenseMatrix(rows: inputRows, columnCount: d + 1),
                                      outputWeights: DenseMatrix(rows: outputRows, columnCount: k),
                                      hasBias: true, biasRegularized: false).balanced()
        let g = network.predict(features)
        let n = features.rowCount
        var constant = [Double](repeating: 0, count: k)
        switch objective {
        case .interpolation, .squared:
            // Least squares in the constant (exact for the squared loss).
            for o in 0..<k { constant[o] = (0..<n).reduce(0) { $0 + targets[$1, o] - g[$1, o] } / Double(n) }
        case .logistic, .crossEntropy:
            preconditionFailure("OneDimensionalTrainer refuses \(objective.name) before building a program")
        case .hinge:
            let solverConstant = (0..<n).reduce(0) { $0 + x[fStart + line.positionOfSample[$1]] - g[$1, 0] } / Double(n)
            constant[0] = Self.optimalHingeOffset(scores: g.values, labels: targets.values, near: solverConstant)
        }
        if constant.contains(where: { $0 != 0 }) {
            // (0·x + 1)₊·c, which balanced() moves to a bias so large that its decay is negligible.
            let input = network.inputWeights.values + [Double](repeating: 0, count: d) + [1]
            let output = network.outputWeights.values + constant
            network = TwoLayerNetwork(inputWeights: DenseMatrix(rowCount: network.width + 1, columnCount: d + 1, values: input),
                                      outputWeights: DenseMatrix(rowCount: network.width + 1, columnCount: k, values: output),
                                      hasBias: true, biasRegularized: false).balanced()
        }
        return (network, constant)
    }

    /// The same function on the data with at most one position carrying both an `R` and an `L`
    /// neuron (one output).
    ///
    /// On the data `Lⱼ = Rⱼ − (t − tⱼ)`, so the values depend only on the kinks `kⱼ = rⱼ + lⱼ`,
    /// on `Σⱼ lⱼ` (a slope) and on a constant, which is re-fitted afterwards. The interior-point
    /// solution tends to split a kink between `Rⱼ` and `Lⱼ` with equal signs (the optimal face's
    /// centre); moving the `L` share greedily onto the largest kinks of the right sign keeps the
    /// kinks, the slope and the cost `Σ|rⱼ| + |lⱼ|`, and leaves one split at most. When the
    /// weights are not sign-consistent (so the move would change the cost) they are returned as they are.
    func concentrated(_ weights: [Double]) -> [Double] {
        let p = pointCount
        guard p >= 3 else { return weights }
        let interior = Array(1..<(p - 1))
        func r(_ j: Int) -> Int { j }
        func l(_ j: Int) -> Int { p - 1 + j - 1 }
        let kinks = interior.map { weights[r($0)] + weights[l($0)] }
        var remaining = interior.reduce(0) { $0 + weights[l($1)] }
        let positive = kinks.filter { $0 > 0 }.reduce(0, +), negative = kinks.filter { $0 < 0 }.reduce(0, +)
        guard remaining <= positive, remaining >= negative else { return weights }
        var out = weights
        for (index, j) in interior.enumerated() { out[r(j)] = kinks[index]; out[l(j)] = 0 }
        let order = interior.indices.filter { remaining >= 0 ? kinks[$0] > 0 : kinks[$0] < 0 }
            .sorted { abs(kinks[$0]) > abs(kinks[$1]) }
        for index in order where remaining != 0 {
            let j = interior[index]
            let share = remaining >= 0 ? min(kinks[index], remaining) : max(kinks[index], remaining)
            out[l(j)] = share
            out[r(j)] = kinks[index] - share
            remaining -= share
        }
        let before = weights.reduce(0) { $0 + abs($1) }, after = out.reduce(0) { $0 + abs($1) }
        return after <= before * (1 + 1e-12) ? out : weights
    }

    /// A minimizer of `φ(c) = Σₛ max(0, 1 − yₛ(gₛ + c))`, the one closest to `near`.
    ///
    /// Term `s` has its kink at `cₛ = yₛ − gₛ`, and passing any kink raises the slope of `φ` by 1
    /// from `−#{yₛ = +1}`, so the minimizers are the interval between the `P`-th and `(P+1)`-th
    /// smallest kinks, `P = #{yₛ = +1}`.
    static func optimalHingeOffset(scores: [Double], labels: [Double], near: Double) -> Double {
        let kinks = zip(labels, scores).map { $0 - $1 }.sorted()
        let positives = labels.filter { $0 > 0 }.count
        let lower = positives == 0 ? -Double.infinity : kinks[positives - 1]
        let upper = positives == kinks.count ? Double.infinity : kinks[positives]
        let value = min(max(near, lower), upper)
        return value.isFinite ? value : (lower.isFinite ? lower : upper)
    }

    // MARK: - The certificate

    /// A lower bound on the training infimum from the solver's dual (interpolation, hinge) or from
    /// the residual of `network` (squared loss), made feasible and evaluated exactly.
    ///
    /// Weak duality for free-bias networks: for `V` with `1ᵀV = 0` and `‖Vᵀ(±(t − tⱼ))₊‖ ≤ β` at
    /// every position `tⱼ`, the loss-specific dual function (`⟨V, Y⟩ − ½‖V‖²`, `Σρᵢ` with
    /// `V = ρ∘y`, `0 ≤ ρ ≤ 1`, or `⟨V, Y⟩`) bounds the infimum from below; on a line these
    /// `2p` neurons attain `max |Vᵀ(X̃u)₊|` over all `‖u‖ ≤ 1` and biases (Lemma 2.6), so
    /// checking them suffices. The candidate is centred (or its class sums balanced), then scaled
    /// by the best `θ ≥ 0` keeping it feasible.
    func lowerBound(solution: Solution, network: TwoLayerNetwork, features: DenseMatrix) -> Double {
        let k = outputCount, n = targets.rowCount, p = pointCount, beta = objective.beta
        switch objective {
        case .squared:
            // Candidates: the residual of the returned network, the residual of the solver's
            // values `fᵢ`, and the solver's multipliers `(Aᵀz)_f` (the per-position sums of `V`);
            // each is made feasible and the best bound is kept.
            let f = network.predict(features).values
            var candidates = [zip(targets.values, f).map { $0 - $1 }]
            candidates.append((0..<(n * k)).map { targets.values[$0] - solution.x[fStart + line.positionOfSample[$0 / k] * k + $0 % k] })
            let multipliers = problem.A.transposeMultiply(solution.z)
            var multiplicity = [Double](repeating: 0, count: p), mean = [Double](repeating: 0, count: p * k)
            for sample in 0..<n { multiplicity[line.positionOfSample[sample]] += 1 }
            for sample in 0..<n {
                let i = line.positionOfSample[sample]
                for o in 0..<k { mean[i * k + o] += targets[sample, o] / multiplicity[i] }
            }
            // Given the sums Vᵢ, v_s = y_s − ȳᵢ + Vᵢ/mᵢ maximizes ⟨v, y⟩ − ½‖v‖² (same constraint values).
            candidates.append((0..<(n * k)).map { index in
                let i = line.positionOfSample[index / k], o = index % k
                return targets.values[index] - mean[i * k + o] + multipliers[fStart + i * k + o] / multiplicity[i]
            })
            // Each candidate moved onto 1ᵀV = 0 and scaled along its ray (DualLowerBound); the best is kept.
            return candidates.map { values -> Double in
                let v = DualLowerBound.zeroSumProjection(DenseMatrix(rowCount: n, columnCount: k, values: values),
                                                         targets: targets, loss: .squared)
                return DualLowerBound.bound(dual: v, targets: targets, loss: .squared, beta: beta,
                                            constraint: maximumNeuronResponse(aggregate(v.values))).value
            }.max() ?? 0
        case .logistic, .crossEntropy:
            preconditionFailure("OneDimensionalTrainer refuses \(objective.name) before building a program")
        case .hinge:
            // V = ρ∘y with the margin multipliers ρ ∈ [0, 1], moved onto 1ᵀV = 0 (the heavier class
            // shrinks) and scaled along its ray (DualLowerBound).
            let rho = (0..<n).map { min(max(solution.z[dualRowStart + $0], 0), 1) }
            let v = DualLowerBound.zeroSumProjection(DenseMatrix(rowCount: n, columnCount: 1, values: zip(rho, targets.values).map { $0 * $1 }),
                                                     targets: targets, loss: .hinge)
            let multipliers = DenseMatrix(rowCount: n, columnCount: 1, values: zip(v.values, targets.values).map { $0 * $1 })
            return DualLowerBound.bound(dual: multipliers, targets: targets, loss: .hinge, beta: beta,
                                        constraint: maximumNeuronResponse(aggregate(v.values))).value
        case .interpolation:
            var best = 0.0
            for sign in [1.0, -1.0] {
                var v = eliminated ? interpolationDual(solution.z).map { sign * $0 }
                    : (0..<(p * k)).map { sign * solution.z[dualRowStart + $0] }
                for o in 0..<k {
                    let mean = (0..<p).reduce(0) { $0 + v[$1 * k + o] } / Double(p)
                    for i in 0..<p { v[i * k + o] -= mean }
                }
                var inner = 0.0
                for i in 0..<p { for o in 0..<k { inner += v[i * k + o] * pointTargets[i][o] } }
                let response = maximumNeuronResponse(v)
                guard inner > 0, response > 0 else { continue }
                best = max(best, inner / response)
            }
            return best
        }
    }

    /// The dual point `V = Dᵀμ` at the positions (`p × c`) from the multipliers `μ` of the
    /// eliminated rows, where `D` maps the targets to the rows' right-hand sides (chord slopes
    /// `sᵢ = (yᵢ₊₁ − yᵢ)/hᵢ`, then `s₀` and the kinks `sᵢ − sᵢ₋₁`): `⟨V, Y⟩ = μᵀDY`, and
    /// `1ᵀV = 0` because constants have no slopes.
    private func interpolationDual(_ z: [Double]) -> [Double] {
        let k = outputCount, p = pointCount, t = line.positions
        var v = [Double](repeating: 0, count: p * k)
        for o in 0..<k {
            let base = o * (p - 1)
            // Row base is the s₀ row, row base + i the kink row of position i (1 ≤ i ≤ p − 2).
            for i in 0..<(p - 1) {
                let mine = z[base + i], next = i + 1 < p - 1 ? z[base + i + 1] : 0
                let weight = (mine - next) / (t[i + 1] - t[i])   // coefficient of sᵢ
                v[(i + 1) * k + o] += weight
                v[i * k + o] -= weight
            }
        }
        return v
    }

    /// Per-sample dual values (`n × c`, row-major) summed per position (`p × c`).
    private func aggregate(_ v: [Double]) -> [Double] {
        let k = outputCount
        var out = [Double](repeating: 0, count: pointCount * k)
        for s in 0..<targets.rowCount {
            let i = line.positionOfSample[s]
            for o in 0..<k { out[i * k + o] += v[s * k + o] }
        }
        return out
    }

    /// `maxⱼ max(‖Σᵢ vᵢ(tᵢ − tⱼ)₊‖, ‖Σᵢ vᵢ(tⱼ − tᵢ)₊‖)` over all positions, by two sweeps
    /// (`O(pc)`): the sums change by `(tⱼ₊₁ − tⱼ)` times a running sum of `v` between positions.
    func maximumNeuronResponse(_ v: [Double]) -> Double {
        let k = outputCount, p = pointCount, t = line.positions
        var largest = 0.0
        var sum = [Double](repeating: 0, count: k), value = [Double](repeating: 0, count: k)
        for j in stride(from: p - 2, through: 0, by: -1) {   // right-facing: Σ_{i>j} vᵢ(tᵢ − tⱼ)
            for o in 0..<k { sum[o] += v[(j + 1) * k + o]; value[o] += (t[j + 1] - t[j]) * sum[o] }
            largest = max(largest, euclideanNorm(value))
        }
        sum = [Double](repeating: 0, count: k); value = [Double](repeating: 0, count: k)
        for j in 1..<p {                                       // left-facing: Σ_{i<j} vᵢ(tⱼ − tᵢ)
            for o in 0..<k { sum[o] += v[(j - 1) * k + o]; value[o] += (t[j] - t[j - 1]) * sum[o] }
            largest = max(largest, euclideanNorm(value))
        }
        return largest
    }
}
