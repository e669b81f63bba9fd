import ConicSolver

/// The training problems of the JMLR paper, for networks `f(x) = Σⱼ wⱼ(xᵀuⱼ + bⱼ)₊` with
/// `‖uⱼ‖ ≤ 1` (and a free bias where the data have one):
///
/// - ``interpolation``: `min Σⱼ‖wⱼ‖ s.t. f(xᵢ) = yᵢ` (eq. 4 / 17),
/// - ``squared(beta:)``: `min ½‖f − Y‖² + β Σⱼ‖wⱼ‖` (eq. 16),
/// - ``hinge(beta:)``: `min Σᵢ (1 − yᵢfᵢ)₊ + β‖w‖₁` (eq. 18, targets ±1, one output),
/// - ``logistic(beta:)``: `min Σᵢ log(1 + e^{−yᵢfᵢ}) + β‖w‖₁` (targets ±1, one output),
/// - ``crossEntropy(beta:)``: `min Σᵢ [log Σₖ e^{fᵢₖ} − ⟨yᵢ, fᵢ⟩] + β Σⱼ‖wⱼ‖` (one-hot targets, `c ≥ 2`).
///
/// `Σⱼ‖wⱼ‖` is the weight decay `½Σⱼ(‖uⱼ‖² + ‖wⱼ‖²)` of a balanced network, so each value is the
/// non-convex objective `TwoLayerNetwork.objective` of the network (bias unregularized). Both the
/// exact 1-D training (``OneDimensionalTrainer``) and the cutting plane (``CuttingPlaneTrainer``)
/// solve these.
public enum TrainingObjective: Sendable, Equatable {
    /// Minimum-norm interpolation of the targets.
    case interpolation
    /// Squared loss plus `β` times the (group) ℓ1 norm of the output weights.
    case squared(beta: Double)
    /// Hinge loss plus `β` times the ℓ1 norm of the output weights.
    case hinge(beta: Double)
    /// Logistic loss plus `β` times the ℓ1 norm of the output weights (exponential cones).
    case logistic(beta: Double)
    /// Softmax cross-entropy over the outputs plus `β` times the group ℓ1 norm of the output
    /// weights (exponential cones).
    case crossEntropy(beta: Double)

    /// `β`, the bound of the dual constraint `‖Vᵀ(Au + b1)₊‖ ≤ β` (1 for interpolation, whose
    /// objective is the weight decay alone).
    public var beta: Double {
        switch self {
        case .interpolation: return 1
        case let .squared(beta), let .hinge(beta), let .logistic(beta), let .crossEntropy(beta): return beta
        }
    }

    /// The loss of the equivalent weight-decay objective (`squared` for interpolation, whose
    /// loss is zero at the constraint).
    public var loss: Loss {
        switch self {
        case .interpolation, .squared: return .squared
        case .hinge: return .hinge
        case .logistic: return .logistic
        case .crossEntropy: return .crossEntropy
        }
    }

    /// A short name: `interpolation` or the loss's name (`squared`, `hinge`, `logistic`, `cross-entropy`).
    public var name: String {
        switch self {
        case .interpolation: return "interpolation"
        case .squared: return "squared"
        case .hinge: return "hinge"
        case .logistic: return "logistic"
        case .crossEntropy: return "cross-entropy"
        }
    }
}

extension TrainingObjective {
    /// The regularized objective of `loss` with weight decay `beta`.
    public static func regularized(_ loss: Loss, beta: Double) -> TrainingObjective {
        switch loss {
        case .squared: return .squared(beta: beta)
        case .hinge: return .hinge(beta: beta)
        case .logistic: return .logistic(beta: beta)
        case .crossEntropy: return .crossEntropy(beta: beta)
        }
    }
}
