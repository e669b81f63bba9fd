import ConicSolver
import Foundation

/// A two-layer linear CNN (ICML 2020 eq. 9): filters `uⱼ ∈ ℝʰ` and per filter one output weight
/// per patch, `f = Σ_k Σⱼ X_k uⱼ αⱼₖ`, with weight decay `(β/2)Σⱼ(‖uⱼ‖² + ‖αⱼ‖²)`.
public struct LinearCNN: Sendable, Equatable {
    /// `h × m`: one filter per column.
    public var filters: DenseMatrix
    /// `K × m`: column `j` holds filter `j`'s weight for every patch.
    public var outputWeights: DenseMatrix

    /// The outputs `Σ_k X_k Σⱼ uⱼαⱼₖ` for the patch matrices `X₁ … X_K`.
    public func predict(_ patches: [DenseMatrix]) -> [Double] {
        let z = filters.multiplied(by: outputWeights, transposeOther: true)  // h × K: column k is Σⱼ uⱼαⱼₖ
        var f = [Double](repeating: 0, count: patches.first?.rowCount ?? 0)
        for (k, patch) in patches.enumerated() {
            let part = patch.multiplied(by: z.column(k))
            for i in f.indices { f[i] += part[i] }
        }
        return f
    }

    /// `½‖f − y‖² + (β/2)Σⱼ(‖uⱼ‖² + ‖αⱼ‖²)`.
    public func objective(patches: [DenseMatrix], targets y: [Double], beta: Double) -> Double {
        Loss.squared.value(predictions: predict(patches), targets: y)
            + 0.5 * beta * (filters.values.reduce(0) { $0 + $1 * $1 } + outputWeights.values.reduce(0) { $0 + $1 * $1 })
    }
}

/// The convex programs of the linear CNN (ICML 2020 §4.2–4.3), each solved by the conic solver:
///
/// - ``nuclearNorm(patches:targets:beta:solver:)``, eq. (12): `min ½‖Σ_k X_k z_k − y‖² + β‖[z₁ … z_K]‖_*`,
///   the nuclear norm as `min ½(tr W₁ + tr W₂)` over `[[W₁, Z], [Zᵀ, W₂]] ⪰ 0`;
/// - ``semidefiniteDual(patches:targets:beta:solver:)``, eq. (11): `max −½‖v − y‖² + ½‖y‖²` subject to
///   `σ_max([X₁ᵀv … X_Kᵀv]) ≤ β`, i.e. `[[βI, G], [Gᵀ, βI]] ⪰ 0`;
/// - ``fourier(features:targets:beta:solver:)``, eq. (14) for circular convolution with a full-length
///   filter (`X_k = XSᵏ`, `S` the cyclic shift): `min_{z ∈ ℂᵈ} ½‖Re(XFz) − y‖² + β Σᵢ|zᵢ|` with `F` the
///   (unnormalized) DFT matrix, each `|zᵢ| ≤ tᵢ` a 3-dimensional second-order cone on `(tᵢ, Re zᵢ, Im zᵢ)`.
///   The `Re` is the real part the paper's `X̃z` stands for: the dual constraint of the circular
///   problem reads `|(FXᵀv)ᵢ| ≤ β` (the singular values of a circulant matrix are the moduli of the
///   DFT of its generator), whose conjugate pairing with `z` is `vᵀRe(XFz)`.
///
/// The three values agree: (11) is the dual of (12), and on circular patches (12) equals (14).
public enum LinearConvolution {
    /// The value of a program and the solver's report.
    public struct Outcome: Sendable {
        /// The program's optimal value (the objective of the point returned, from the original data).
        public let value: Double
        public let status: SolverStatus
        public let iterations: Int
        public let solveTime: Double
    }

    /// `X_k = XSᵏ` for `k = 0 … d−1`: column `j` of `X_k` is column `(j + k) mod d` of `X` (every
    /// circular shift of a full-length filter).
    public static func circularPatches(_ x: DenseMatrix) -> [DenseMatrix] {
        let d = x.columnCount
        return (0..<d).map { k in
            var out = DenseMatrix(rowCount: x.rowCount, columnCount: d)
            for i in 0..<x.rowCount { for j in 0..<d { out[i, j] = x[i, (j + k) % d] } }
            return out
        }
    }

    static func checkPatches(_ patches: [DenseMatrix], targets y: [Double], beta: Double) throws(ConvolutionError) {
        guard let first = patches.first else { throw .invalidSetting("no patch matrices") }
        guard patches.allSatisfy({ $0.rowCount == first.rowCount && $0.columnCount == first.columnCount }) else {
            throw .invalidSetting("the patch matrices differ in shape")
        }
        guard y.count == first.rowCount else { throw .invalidSetting("\(y.count) targets for \(first.rowCount) samples") }
        guard beta > 0, beta.isFinite else { throw .invalidSetting("β must be positive and finite") }
        guard patches.allSatisfy({ $0.values.allSatisfy(\.isFinite) }), y.allSatisfy(\.isFinite) else { throw .invalidSetting("non-finite data") }
    }

    static func run(_ problem: ConicProblem, solver: SolverSettings) throws -> Solution {
        let solution = try solve(problem, settings: solver)
        guard solution.status.isOptimal else { throw ConvolutionError.solverFailed(solution.status) }
        return solution
    }

    /// Eq. (12), with the optimal `Z = [z₁ … z_K]` and the linear CNN it factors into (`Z = UΣVᵀ`,
    /// filters `√σⱼuⱼ`, output weights `√σⱼvⱼ`: same predictions, weight decay `β‖Z‖_*`).
    ///
    /// - Throws: ``ConvolutionError`` for inconsistent data or a solver failure.
    public static func nuclearNorm(patches: [DenseMatrix], targets y: [Double], beta: Double,
                                   solver: SolverSettings = SolverSettings()) throws -> (outcome: Outcome, z: DenseMatrix, network: LinearCNN) {
        try checkPatches(patches, targets: y, beta: beta)
        let h = patches[0].columnCount, k = patches.count
        // ζ = vec(Z) (column k is z_k); the fit is ½‖Mζ − y‖² with M = [X₁ … X_K].
        var m = DenseMatrix(rowCount: y.count, columnCount: h * k)
        for (kk, patch) in patches.enumerated() { for i in 0..<y.count { for j in 0..<h { m[i, kk * h + j] = patch[i, j] } } }
        let (solution, z) = try NuclearNormProgram.solve(rows: h, columns: k, gram: NuclearNormProgram.gram(of: m),
                                                          linear: m.transposeMultiplied(by: y),
                                                          constant: 0.5 * y.reduce(0) { $0 + $1 * $1 }, beta: beta, solver: solver)
        guard solution.status.isOptimal else { throw ConvolutionError.solverFailed(solution.status) }
        guard let svd = z.singularValueDecomposition() else { throw ConvolutionError.invalidSetting("the SVD of the solution failed") }
        let rank = svd.sigma.count
        var filters = DenseMatrix(rowCount: h, columnCount: rank), weights = DenseMatrix(rowCount: k, columnCount: rank)
        for j in 0..<rank {
            let root = max(0, svd.sigma[j]).squareRoot()
            for i in 0..<h { filters[i, j] = root * svd.u[i, j] }
            for i in 0..<k { weights[i, j] = root * svd.vt[j, i] }
        }
        let network = LinearCNN(filters: filters, outputWeights: weights)
        let fit = Loss.squared.value(predictions: network.predict(patches), targets: y)
        let value = fit + beta * svd.sigma.reduce(0, +)
        return (Outcome(value: value, status: solution.status, iterations: solution.iterations, solveTime: solution.solveTime), z, network)
    }

    /// Eq. (11), the dual of (12); returns its optimal value and the dual point `v`.
    ///
    /// - Throws: ``ConvolutionError`` for inconsistent data or a solver failure.
    public static func semidefiniteDual(patches: [DenseMatrix], targets y: [Double], beta: Double,
                                        solver: SolverSettings = SolverSettings()) throws -> (outcome: Outcome, v: [Double]) {
        try checkPatches(patches, targets: y, beta: beta)
        let n = y.count, h = patches[0].columnCount, k = patches.count, order = h + k, size = order * (order + 1) / 2
        // min ½‖v‖² − yᵀv  s.t.  svec([[βI, G(v)], [G(v)ᵀ, βI]]) = b − Av ∈ PSD, G(v)ᵢₖ = (X_kᵀv)ᵢ.
        var rows = [Int](), columns = [Int](), values = [Double]()
        for t in 0..<n {
            for (kk, patch) in patches.enumerated() {
                for i in 0..<h where patch[t, i] != 0 {
                    rows.append(NuclearNormProgram.svecIndex(i, h + kk)); columns.append(t); values.append(-2.squareRoot() * patch[t, i])
                }
            }
        }
        let a = try SparseMatrix(rowCount: size, columnCount: n, rows: rows, columns: columns, values: values, name: "A")
        var b = [Double](repeating: 0, count: size)
        for i in 0..<order { b[NuclearNormProgram.svecIndex(i, i)] = beta }
        let p = try SparseMatrix(rowCount: n, columnCount: n, rows: Array(0..<n), columns: Array(0..<n),
                                 values: Array(repeating: 1, count: n), name: "P")
        let problem = try ConicProblem(P: p, q: y.map { -$0 }, A: a, b: b, cones: [.positiveSemidefinite(order)])
        let solution = try run(problem, solver: solver)
        let v = solution.x
        let value = -0.5 * zip(v, y).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) } + 0.5 * y.reduce(0) { $0 + $1 * $1 }
        return (Outcome(value: value, status: solution.status, iterations: solution.iterations, solveTime: solution.solveTime), v)
    }

    /// Eq. (14) for the circular CNN with full-length filters on `features` (`n × d`); returns
    /// its value and `z` as `(Re zᵢ, Im zᵢ)`.
    ///
    /// - Throws: ``ConvolutionError`` for inconsistent data or a solver failure.
    public static func fourier(features x: DenseMatrix, targets y: [Double], beta: Double,
                               solver: SolverSettings = SolverSettings()) throws -> (outcome: Outcome, z: [(re: Double, im: Double)]) {
        try checkPatches([x], targets: y, beta: beta)
        let d = x.columnCount
        // Re(XFz) = X(C Re z + S Im z) with F = C − iS, C = cos(2πjk/d), S = sin(2πjk/d).
        var cs = DenseMatrix(rowCount: d, columnCount: 2 * d)
        for j in 0..<d {
            for kk in 0..<d {
                let theta = 2 * Double.pi * Double((j * kk) % d) / Double(d)
                cs[j, kk] = cos(theta)
                cs[j, d + kk] = sin(theta)
            }
        }
        let m = x.multiplied(by: cs)  // n × 2d, on [Re z | Im z]
        let variables = 3 * d
        let g = NuclearNormProgram.gram(of: m)
        let p = try SparseMatrix(rowCount: variables, columnCount: variables, rows: g.map(\.a), columns: g.map(\.b),
                                 values: g.map(\.value), name: "P")
        var q = [Double](repeating: 0, count: variables)
        let my = m.transposeMultiplied(by: y)
        for a in 0..<(2 * d) { q[a] = -my[a] }
        for i in 0..<d { q[2 * d + i] = beta }
        // Cone i: rows 3i, 3i+1, 3i+2 hold (tᵢ, Re zᵢ, Im zᵢ).
        var rows = [Int](), columns = [Int](), values = [Double]()
        for i in 0..<d {
            rows += [3 * i, 3 * i + 1, 3 * i + 2]; columns += [2 * d + i, i, d + i]; values += [-1, -1, -1]
        }
        let a = try SparseMatrix(rowCount: variables, columnCount: variables, rows: rows, columns: columns, values: values, name: "A")
        let problem = try ConicProblem(P: p, q: q, A: a, b: Array(repeating: 0, count: variables),
                                       cones: Array(repeating: .secondOrder(3), count: d),
                                       objectiveConstant: 0.5 * y.reduce(0) { $0 + $1 * $1 })
        let solution = try run(problem, solver: solver)
        let z = (0..<d).map { (re: solution.x[$0], im: solution.x[d + $0]) }
        let fit = m.multiplied(by: Array(solution.x[0..<(2 * d)]))
        let value = Loss.squared.value(predictions: fit, targets: y) + beta * z.reduce(0) { $0 + ($1.re * $1.re + $1.im * $1.im).squareRoot() }
        return (Outcome(value: value, status: solution.status, iterations: solution.iterations, solveTime: solution.solveTime), z)
    }
}
