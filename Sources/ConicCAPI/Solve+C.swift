import ConicNN
import ConicSolver
import Foundation

/// A CSC matrix from C arrays, validated by ``SparseMatrix``'s checked initializer.
private func matrix(rows: Int, columns: Int, colptr: UnsafePointer<Int64>?, rowval: UnsafePointer<Int64>?,
                    nzval: UnsafePointer<Double>?, name: String) throws -> SparseMatrix {
    let starts = try array(colptr, count: columns + 1, "\(name)_colptr").map(Int.init)
    // The entry count comes from the caller's own column pointers; read no entry before it is sane.
    guard let count = starts.last, count >= 0, starts.first == 0 else {
        throw CAPIError(.data, "invalid matrix \(name): colptr must start at 0 and end at the number of entries")
    }
    let rowIndices = try array(rowval, count: count, "\(name)_rowval").map(Int.init)
    let values = try array(nzval, count: count, "\(name)_nzval")
    return try SparseMatrix(rowCount: rows, columnCount: columns, columnStarts: starts, rowIndices: rowIndices,
                            values: values, name: name)
}

/// `P` as the solver takes it: its upper triangle. A whole symmetric matrix is accepted too (its
/// upper triangle is kept), as numpy and scipy users often hold one; any other entry below the
/// diagonal is an error.
private func upperTriangle(_ P: SparseMatrix) throws -> SparseMatrix {
    if P.isUpperTriangular { return P }
    guard P == P.transposed() else {
        throw CAPIError(.data, "P: give its upper triangle or the whole symmetric matrix (P has entries below the diagonal and is not symmetric)")
    }
    var starts = [0], rows: [Int] = [], values: [Double] = []
    for j in 0..<P.columnCount {
        for k in P.columnStarts[j]..<P.columnStarts[j + 1] where P.rowIndices[k] <= j {
            rows.append(P.rowIndices[k]); values.append(P.values[k])
        }
        starts.append(rows.count)
    }
    return try SparseMatrix(rowCount: P.rowCount, columnCount: P.columnCount, columnStarts: starts, rowIndices: rows,
                            values: values, name: "P")
}

/// The cones of a C cone list (`CONIC_CONE_*` codes of `conic.h`). The power cones read their
/// exponent from `params`, the only cones that do, so `params` may be null without them; the
/// problem's own validation refuses an exponent outside (0, 1).
private func cones(count: Int, types: UnsafePointer<Int32>?, dims: UnsafePointer<Int64>?,
                   params: UnsafePointer<Double>?) throws -> [ConeSpec] {
    let types = try array(types, count: count, "cone_types")
    let dims = try array(dims, count: count, "cone_dims")
    let needsParameters = types.contains { $0 == 5 || $0 == 7 }
    let parameters = needsParameters ? try array(params, count: count, "cone_params") : []
    return try zip(types, dims).enumerated().map { index, cone in
        let size = Int(cone.1)
        // The three-dimensional cones take `dims[k] = 3` (the size is stated, so a list whose
        // sizes were meant for another layout fails here instead of shifting every later row).
        func threeDimensional(_ spec: ConeSpec, _ name: String) throws -> ConeSpec {
            guard size == 3 else { throw CAPIError(.data, "cone \(index): the \(name) cone has dimension 3, not \(size)") }
            return spec
        }
        switch cone.0 {
        case 0: return .zero(size)
        case 1: return .nonnegative(size)
        case 2: return .secondOrder(size)
        case 3: return .positiveSemidefinite(size)
        case 4: return try threeDimensional(.exponential, "exponential")
        case 5: return try threeDimensional(.power(parameters[index]), "power")
        case 6: return try threeDimensional(.dualExponential, "dual exponential")
        case 7: return try threeDimensional(.dualPower(parameters[index]), "dual power")
        default:
            throw CAPIError(.argument, "cone \(index): unknown cone type \(cone.0)")
        }
    }
}

@_cdecl("conic_solve")
public func conic_solve(_ n: Int64, _ m: Int64,
                        _ pColptr: UnsafePointer<Int64>?, _ pRowval: UnsafePointer<Int64>?, _ pNzval: UnsafePointer<Double>?,
                        _ q: UnsafePointer<Double>?,
                        _ aColptr: UnsafePointer<Int64>?, _ aRowval: UnsafePointer<Int64>?, _ aNzval: UnsafePointer<Double>?,
                        _ b: UnsafePointer<Double>?,
                        _ coneCount: Int64, _ coneTypes: UnsafePointer<Int32>?, _ coneDims: UnsafePointer<Int64>?,
                        _ coneParams: UnsafePointer<Double>?,
                        _ settings: OpaquePointer?) -> OpaquePointer {
    makeResult {
        let n = Int(n), m = Int(m)
        guard n >= 0, m >= 0, coneCount >= 0 else { throw CAPIError(.argument, "negative size (n = \(n), m = \(m), cones = \(coneCount))") }
        // n + 1 column pointers must be countable.
        guard n < Int.max else { throw CAPIError(.argument, "n = \(n) is too large") }
        var solverSettings = SolverSettings()
        if let box = settingsBox(settings) {
            guard box.kind == .solver else { throw CAPIError(.argument, "conic_solve needs settings from conic_settings_new, not conic_nn_settings_new") }
            solverSettings = box.solver
        }
        let P = pColptr == nil ? nil : try upperTriangle(matrix(rows: n, columns: n, colptr: pColptr, rowval: pRowval, nzval: pNzval, name: "P"))
        let A = try matrix(rows: m, columns: n, colptr: aColptr, rowval: aRowval, nzval: aNzval, name: "A")
        let problem = try ConicProblem(P: P, q: try array(q, count: n, "q"), A: A, b: try array(b, count: m, "b"),
                                       cones: try cones(count: Int(coneCount), types: coneTypes, dims: coneDims, params: coneParams))
        let solution = try ConicSolver.solve(problem, settings: solverSettings)
        return ResultBox(solution: solution, problem: problem)
    }
}
