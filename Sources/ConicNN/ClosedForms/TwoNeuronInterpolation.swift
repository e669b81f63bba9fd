import ConicSolver

/// The two-neuron minimum-norm interpolant of JMLR Lemma 3.1 (no bias, scalar output).
public struct TwoNeuronSolution: Sendable, Equatable {
    /// The network: rows of `inputWeights` are the unit neurons `u₁ = A†(y)₊/‖A†(y)₊‖` and
    /// `u₂ = A†(−y)₊/‖A†(−y)₊‖`; its output weights are `w₁ = ‖A†(y)₊‖ > 0` and `w₂ = −‖A†(−y)₊‖ < 0`.
    public let network: TwoLayerNetwork
    /// The targets `y` it interpolates.
    public let targets: [Double]
    /// `‖w‖₁ = w₁ − w₂`, the value of the minimum-ℓ1 problem (JMLR eq. 4) at this network. The
    /// squared-norm form (eq. 3) of the same network, rescaled to `‖uⱼ‖ = |wⱼ|`, is twice this.
    public let objective: Double
    /// `max |(AU)₊w − y|`, rounding-level when `A` is well conditioned.
    public let interpolationError: Double
    /// `σ₁(A)/σₙ(A)`, which governs the rounding error of `A† = Aᵀ(AAᵀ)⁻¹`.
    public let conditionNumber: Double

    /// The output weights `(w₁, w₂)`.
    public var outputWeights: (positive: Double, negative: Double) {
        (network.outputWeights[0, 0], network.outputWeights[1, 0])
    }
}

/// JMLR Lemma 3.1: for `n ≤ d`, a full-row-rank `A` and targets of both signs, the network with
/// the two neurons `A†(±y)₊` interpolates `y` with the fewest neurons, since `AA† = I` makes
/// `(AA†(y)₊)₊ = (y)₊`. Lemma 3.2 (``checkEquivalence(_:features:settings:)``) tells when it is
/// also the minimum-ℓ1 (minimum-norm) interpolant.
public enum TwoNeuronInterpolation {
    /// Builds the closed form.
    ///
    /// `A† z = V Σ⁻¹ Uᵀ z` is applied through the thin SVD of `A`, which also decides the rank:
    /// singular values below `rankTolerance · σ₁` count as zero.
    ///
    /// - Throws: ``ClosedFormError`` when `n > d`, the rank is below `n`, `y` lacks a sign, the
    ///   shapes differ or the data is not finite.
    public static func solve(features: DenseMatrix, targets: [Double],
                             rankTolerance: Double = NumericalRank.relativeTolerance) throws(ClosedFormError) -> TwoNeuronSolution {
        let n = features.rowCount, d = features.columnCount
        guard targets.count == n else { throw .dimensionMismatch("\(targets.count) targets for \(n) samples") }
        guard n >= 1 else { throw .dimensionMismatch("no samples") }
        try requireFinite(features.values, "features")
        try requireFinite(targets, "targets")
        guard n <= d else { throw .tooManySamples(samples: n, features: d) }
        let positive = targets.map { max($0, 0) }, negative = targets.map { max(-$0, 0) }
        guard positive.contains(where: { $0 > 0 }), negative.contains(where: { $0 > 0 }) else {
            throw .targetsOfOneSign(positive.contains(where: { $0 > 0 }) ? "no negative entry" : "no positive entry")
        }
        guard let svd = features.singularValueDecomposition(), let largest = svd.sigma.first, largest > 0 else {
            throw .rankDeficient(rank: 0, samples: n)
        }
        let rank = svd.sigma.prefix { $0 > rankTolerance * largest }.count
        guard rank == n else { throw .rankDeficient(rank: rank, samples: n) }

        func pseudoInverseTimes(_ z: [Double]) -> [Double] {
            var coefficients = svd.u.transposeMultiplied(by: z)
            for k in coefficients.indices { coefficients[k] /= svd.sigma[k] }
            return svd.vt.transposeMultiplied(by: coefficients)
        }
        let p = pseudoInverseTimes(positive), q = pseudoInverseTimes(negative)
        let w1 = euclideanNorm(p), w2 = euclideanNorm(q)
        let network = TwoLayerNetwork(inputWeights: DenseMatrix(rows: [p.map { $0 / w1 }, q.map { $0 / w2 }]),
                                      outputWeights: DenseMatrix(column: [w1, -w2]), hasBias: false)
        let prediction = network.predict(features).values
        let error = zip(prediction, targets).reduce(0.0) { max($0, abs($1.0 - $1.1)) }
        return TwoNeuronSolution(network: network, targets: targets, objective: w1 + w2, interpolationError: error,
                                 conditionNumber: largest / svd.sigma[n - 1])
    }
}
