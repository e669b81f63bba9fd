/// The package's version, reported by `conic --version` and the C ABI's `conic_version()`.
public enum ConicVersion {
    /// Semantic version of the solver, the NN layer and their command line and C ABI.
    public static let string = "1.0.0"
}
