/// The update rules of ``Optimizer`` on a list of parameter blocks (flat arrays), with the state
/// they carry from step to step: plain steps, heavy-ball momentum `v ← μv + g, θ ← θ − ηv`, or
/// Adam (Algorithm 1 of Kingma & Ba: bias-corrected moments, `ε` added after them).
struct FirstOrderUpdate {
    let optimizer: Optimizer
    let learningRate: Double
    let momentum: Double
    private var first: [[Double]], second: [[Double]]
    /// `β₁ᵗ` and `β₂ᵗ` for Adam's bias correction.
    private var beta1Power = 1.0, beta2Power = 1.0

    static let adamBeta1 = 0.9, adamBeta2 = 0.999, adamEpsilon = 1e-8

    /// State for blocks of the given sizes.
    init(optimizer: Optimizer, learningRate: Double, momentum: Double, blockSizes: [Int]) {
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.momentum = momentum
        let needsFirst = optimizer == .adam || momentum > 0
        first = blockSizes.map { needsFirst ? [Double](repeating: 0, count: $0) : [] }
        second = blockSizes.map { optimizer == .adam ? [Double](repeating: 0, count: $0) : [] }
    }

    /// Starts a step (advances Adam's bias correction); call once before the blocks' updates.
    mutating func beginStep() {
        beta1Power *= Self.adamBeta1
        beta2Power *= Self.adamBeta2
    }

    /// `x ← x − η·(update of gradient g)` for parameter block `block`.
    mutating func update(_ x: inout [Double], gradient g: [Double], block: Int) {
        let lr = learningRate
        switch optimizer {
        case .gd, .sgd:
            if first[block].isEmpty {
                for k in x.indices { x[k] -= lr * g[k] }
            } else {
                for k in x.indices {
                    first[block][k] = momentum * first[block][k] + g[k]
                    x[k] -= lr * first[block][k]
                }
            }
        case .adam:
            let c1 = 1 / (1 - beta1Power), c2 = 1 / (1 - beta2Power)
            let (b1, b2) = (Self.adamBeta1, Self.adamBeta2)
            for k in x.indices {
                first[block][k] = b1 * first[block][k] + (1 - b1) * g[k]
                second[block][k] = b2 * second[block][k] + (1 - b2) * g[k] * g[k]
                x[k] -= lr * (first[block][k] * c1) / ((second[block][k] * c2).squareRoot() + Self.adamEpsilon)
            }
        }
    }
}
