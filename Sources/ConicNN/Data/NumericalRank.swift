import ConicSolver

/// The numerical rank used throughout the NN layer: singular values above `10⁻¹⁰` times the
/// largest count as nonzero (rank reductions, whitening, the spike-free check, oracle choice).
public enum NumericalRank {
    /// Singular values below this fraction of the largest count as zero.
    public static let relativeTolerance = 1e-10

    /// The number of singular values (descending, as LAPACK returns them) above the tolerance.
    public static func of(singularValues sigma: [Double]) -> Int {
        guard let largest = sigma.first, largest > 0 else { return 0 }
        return sigma.filter { $0 > relativeTolerance * largest }.count
    }

    /// The numerical rank of `m` (0 when its SVD fails: NaN or infinity).
    public static func of(_ m: DenseMatrix) -> Int {
        guard let sigma = m.singularValueDecomposition()?.sigma else { return 0 }
        return of(singularValues: sigma)
    }
}
