import Foundation

/// The JSON objects `conic nn … --json` prints. Their keys are a contract with users' scripts:
/// keep them, add new ones, never rename. Non-finite numbers become `null`.
public enum Report {
    static func number(_ value: Double) -> Any { value.isFinite ? value : NSNull() }

    /// `nn train`: the certificate and the run (`objective` is `p(θ)` of the returned network).
    public static func object(for result: ConvexTrainingResult) -> [String: Any] {
        let certificate = result.certificate
        var object: [String: Any] = [
            "objective": number(certificate.objective),
            "lower_bound": number(certificate.lowerBound),
            "gap": number(certificate.gap),
            "relative_gap": number(certificate.relativeGap),
            "neurons": result.network.width,
            "patterns": result.patternCount,
            "exact": result.exact,
            "solve_time": result.solveTime,
            "build_time": result.buildTime,
            "convex_objective": number(result.convexObjective),
            "status": result.solverStatus.rawValue,
            "iterations": result.iterations,
            "bound_method": certificate.boundMethod.rawValue,
            "dual_scale": number(certificate.dualScale),
            "proven": result.boundProven,
            "rounds": result.rounds.count,
            "nodes": result.nodes,
            "stop": result.stop.rawValue,
            "constraint_bound": number(certificate.constraintBound),
            "constraint_best_value": number(result.constraintBestValue),
            "lower_bound_samples": certificate.lowerBoundSamples ?? NSNull(),
            "wall_time": result.wallTime,
            "round_history": result.rounds.map { round -> [String: Any] in
                ["round": round.round, "patterns": round.patterns, "objective": number(round.objective),
                 "lower_bound": round.lowerBound.map(number) ?? NSNull(), "violation": number(round.violation),
                 "added": round.added, "nodes": round.nodes, "seconds": round.seconds]
            },
        ]
        if let offset = result.network.outputBias { object["output_bias"] = offset.map(number) }
        return object
    }

    /// `nn certify`: `objective` is the given network's `p(θ)`; `best_objective` the convex program's network.
    public static func object(for result: NetworkCertificate, givenNeurons: Int) -> [String: Any] {
        var object = Self.object(for: result.training)
        object["objective"] = number(result.objective)
        object["lower_bound"] = number(result.lowerBound)
        object["gap"] = number(result.gap)
        object["relative_gap"] = number(result.relativeGap)
        object["best_objective"] = number(result.bestObjective)
        object["neurons"] = givenNeurons
        object["best_neurons"] = result.training.network.width
        return object
    }

    /// `nn sgd`: the final `p(θ)` and the recorded history as `[epoch, objective]` pairs.
    public static func object(for result: GradientTrainingResult, optimizer: Optimizer) -> [String: Any] {
        [
            "objective": number(result.finalObjective),
            "neurons": result.network.width,
            "epochs": result.epochsCompleted,
            "diverged": result.diverged,
            "optimizer": optimizer.rawValue,
            "history": result.history.map { [$0.epoch, number($0.objective)] as [Any] },
        ]
    }
}
