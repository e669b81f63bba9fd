// The Swift side of Benchmarks/python_overhead.py: solves the problems of a JSON file (a list of
// `conic export` objects) in-process, in a loop, repeatedly, and prints each problem's best time
// over the repeats (robust to load from other processes) with the objectives.
// Compiled by the script with swiftc against the release build's modules and libConicCAPI.so, so
// that both sides run the same compiled solver.
import ConicSolver
import Foundation

struct Failure: Error { let message: String }

func matrix(_ object: Any?) throws -> (rows: Int, columns: Int, colptr: [Int], rowval: [Int], nzval: [Double]) {
    guard let m = object as? [String: Any], let rows = m["nrows"] as? Int, let columns = m["ncols"] as? Int,
          let colptr = m["colptr"] as? [Int], let rowval = m["rowval"] as? [Int], let nzval = m["nzval"] as? [Double]
    else { throw Failure(message: "bad matrix") }
    return (rows, columns, colptr, rowval, nzval)
}

let arguments = CommandLine.arguments
let repeats = arguments.count > 2 ? Int(arguments[2])! : 3
let data = try Data(contentsOf: URL(fileURLWithPath: arguments[1]))
guard let list = try JSONSerialization.jsonObject(with: data) as? [[String: Any]] else { throw Failure(message: "not a list") }
// Parsed outside the timing: the loop starts from arrays in memory, as the Python side does.
typealias Input = (P: (Int, Int, [Int], [Int], [Double]), q: [Double], A: (Int, Int, [Int], [Int], [Double]), b: [Double], cones: [ConeSpec])
let inputs: [Input] = try list.map { object in
    let P = try matrix(object["P"]), A = try matrix(object["A"])
    let cones: [ConeSpec] = try (object["cones"] as! [[String: Any]]).map { cone in
        let dim = cone["dim"] as! Int
        switch cone["type"] as! String {
        case "zero": return .zero(dim)
        case "nonnegative": return .nonnegative(dim)
        case "second_order": return .secondOrder(dim)
        case "psd_triangle": return .positiveSemidefinite(dim)
        default: throw Failure(message: "unknown cone")
        }
    }
    return (P, object["q"] as! [Double], A, object["b"] as! [Double], cones)
}

var best = [Double](repeating: .infinity, count: inputs.count)
var objectives: [Double] = []
var iterations = 0
for _ in 0..<repeats {
    objectives = []
    iterations = 0
    for (k, input) in inputs.enumerated() {
        let started = DispatchTime.now().uptimeNanoseconds
        // What the library's caller does: build the validated matrices and problem, solve.
        let P = try SparseMatrix(rowCount: input.P.0, columnCount: input.P.1, columnStarts: input.P.2,
                                 rowIndices: input.P.3, values: input.P.4, name: "P")
        let A = try SparseMatrix(rowCount: input.A.0, columnCount: input.A.1, columnStarts: input.A.2,
                                 rowIndices: input.A.3, values: input.A.4, name: "A")
        let problem = try ConicProblem(P: P, q: input.q, A: A, b: input.b, cones: input.cones)
        let solution = try ConicSolver.solve(problem)
        best[k] = min(best[k], Double(DispatchTime.now().uptimeNanoseconds - started) * 1e-9)
        objectives.append(solution.primalObjective)
        iterations += solution.iterations
    }
}
let output: [String: Any] = ["seconds": best, "iterations": iterations, "objectives": objectives]
print(String(decoding: try JSONSerialization.data(withJSONObject: output), as: UTF8.self))
