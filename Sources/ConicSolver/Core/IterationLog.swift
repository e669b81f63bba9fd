import Foundation

/// The verbose iteration log: a header, one line per iteration and a summary line.
struct IterationLog {
    let destination: LogDestination

    init(problem: ConicProblem, cones: ConeProduct, kkt: any KKTSolver, destination: LogDestination) {
        self.destination = destination
        var counts: [String: Int] = [:]
        for cone in problem.cones {
            switch cone {
            case .zero: counts["zero", default: 0] += 1
            case .nonnegative: counts["nonnegative", default: 0] += 1
            case .secondOrder: counts["second-order", default: 0] += 1
            case .positiveSemidefinite: counts["PSD", default: 0] += 1
            case .exponential: counts["exponential", default: 0] += 1
            case .dualExponential: counts["dual exponential", default: 0] += 1
            case .power: counts["power", default: 0] += 1
            case .dualPower: counts["dual power", default: 0] += 1
            }
        }
        let coneText = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        write("conic interior-point solver")
        write("  variables n = \(problem.variableCount), constraints m = \(problem.constraintCount), nnz(P) = \(problem.P.nonzeroCount), nnz(A) = \(problem.A.nonzeroCount)")
        write("  cones: \(coneText.isEmpty ? "none" : coneText) (degree \(cones.degree))")
        write("  linear system: \(kkt.methodName)")
        write("iter    pcost         dcost        gap      pres     dres     k/t      step     mu")
    }

    func line(iteration: Int, metrics r: IterationMetrics, step: Double, mu: Double) {
        let text = String(format: "%3d  %+.6e  %+.6e  %.2e  %.2e  %.2e  %.2e  %@  %.2e",
                          iteration, r.primalObjective, r.dualObjective, r.gapRelative, r.primalResidual,
                          r.dualResidual, r.kappa / r.tau, iteration == 0 ? "  ---   " : String(format: "%.2e", step), mu)
        write(text)
    }

    func summary(_ solution: Solution) {
        write(String(format: "status: %@, objective %.10e, %d iterations, %.4f s (setup %.4f s)",
                     solution.status.rawValue, solution.primalObjective, solution.iterations,
                     solution.solveTime, solution.setupTime))
    }

    func write(_ text: String) { writeLog(text, to: destination) }
}

/// Writes one line of the iteration log.
func writeLog(_ text: String, to destination: LogDestination) {
    switch destination {
    case .standardOutput: print(text)
    case .standardError: FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}
