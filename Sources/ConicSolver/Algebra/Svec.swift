/// The vectorization of symmetric matrices used by the PSD cone.
///
/// `svec(X)` lists the upper triangle of the `n × n` symmetric `X` column by column —
/// `X₀₀, X₀₁, X₁₁, X₀₂, X₁₂, X₂₂, …` — with every off-diagonal entry multiplied by √2, so that
/// `svec(X)ᵀ svec(Y) = tr(XY)`. Entry `(i, j)` with `i ≤ j` sits at index `j(j+1)/2 + i`.
public enum Svec {
    /// Number of entries of `svec` for matrices of order `n`.
    public static func length(order n: Int) -> Int { n * (n + 1) / 2 }

    /// Index of entry `(i, j)` (either order) in `svec`.
    @inline(__always) public static func index(_ i: Int, _ j: Int) -> Int {
        i <= j ? j * (j + 1) / 2 + i : i * (i + 1) / 2 + j
    }

    /// `svec` of a symmetric matrix given as rows; the upper triangle is read.
    public static func svec(_ matrix: [[Double]]) -> [Double] {
        let n = matrix.count
        var v = [Double](repeating: 0, count: length(order: n))
        for j in 0..<n { for i in 0...j { v[index(i, j)] = i == j ? matrix[i][j] : matrix[i][j] * 2.0.squareRoot() } }
        return v
    }

    /// The symmetric matrix (as rows) whose `svec` is `v`; `nil` when `v.count` is not triangular.
    public static func matrix(_ v: [Double]) -> [[Double]]? {
        guard let n = order(ofLength: v.count) else { return nil }
        var m = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for j in 0..<n { for i in 0...j {
            let value = i == j ? v[index(i, j)] : v[index(i, j)] / 2.0.squareRoot()
            m[i][j] = value; m[j][i] = value
        } }
        return m
    }

    /// The order `n` with `n(n+1)/2 = length`, if there is one.
    public static func order(ofLength length: Int) -> Int? {
        var n = Int((Double(2 * length)).squareRoot())
        while n * (n + 1) / 2 > length { n -= 1 }
        while n * (n + 1) / 2 < length { n += 1 }
        return n * (n + 1) / 2 == length ? n : nil
    }

    /// The matrix position `(i, j)`, `i ≤ j`, of every `svec` index for order `n`.
    static func positions(order n: Int) -> [(i: Int, j: Int)] {
        var out: [(i: Int, j: Int)] = []
        out.reserveCapacity(length(order: n))
        for j in 0..<n { for i in 0...j { out.append((i, j)) } }
        return out
    }

    /// Unpacks `v` into the full column-major `n × n` buffer `m`.
    static func unpack(_ v: UnsafeBufferPointer<Double>, into m: UnsafeMutablePointer<Double>, order n: Int) {
        let scale = 1 / 2.0.squareRoot()
        var k = 0
        for j in 0..<n {
            for i in 0..<j {
                let value = v[k] * scale
                m[i + j * n] = value; m[j + i * n] = value
                k += 1
            }
            m[j + j * n] = v[k]
            k += 1
        }
    }

    /// Packs the column-major `n × n` buffer `m` into `v`, symmetrizing `(M + Mᵀ)/2`.
    static func pack(_ m: UnsafePointer<Double>, into v: UnsafeMutableBufferPointer<Double>, order n: Int) {
        let scale = 2.0.squareRoot() / 2
        var k = 0
        for j in 0..<n {
            for i in 0..<j {
                v[k] = (m[i + j * n] + m[j + i * n]) * scale
                k += 1
            }
            v[k] = m[j + j * n]
            k += 1
        }
    }
}
