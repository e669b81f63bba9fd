import ConicSolver
import Foundation

/// A parallel architecture of `K` three-layer ReLU sub-networks (ICML 2021, eq. 4):
///
///     f(X) = Σₖ ((X̃W₁ₖ)₊ w₂ₖ)₊ w₃ₖ,
///     p(θ) = ½‖f(X) − y‖² + (β/2) Σₖ (‖w₂ₖ‖² + w₃ₖ²),   subject to ‖W₁ₖ‖_F ≤ 1,
///
/// with `X̃ = [X 1]` when the network has a bias (the first layer's bias is then part of `W₁ₖ`
/// and of its unit-Frobenius constraint).
public struct ThreeLayerNetwork: Sendable, Equatable {
    /// One sub-network: `W₁` (`d̃ × m₁`), `w₂` (`m₁`), `w₃` (scalar).
    public struct SubNetwork: Sendable, Equatable, Codable {
        /// First-layer weights, `d̃ × m₁` (one column per neuron).
        public var firstLayer: DenseMatrix
        /// Second-layer weights `w₂`, one per first-layer neuron.
        public var secondLayer: [Double]
        /// Output weight `w₃`.
        public var output: Double

        /// A sub-network from its weights (`secondLayer.count == firstLayer.columnCount`).
        public init(firstLayer: DenseMatrix, secondLayer: [Double], output: Double) {
            precondition(secondLayer.count == firstLayer.columnCount, "ThreeLayerNetwork: one second-layer weight per neuron")
            self.firstLayer = firstLayer
            self.secondLayer = secondLayer
            self.output = output
        }

        enum CodingKeys: String, CodingKey { case W1, w2, w3 }

        public init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            let rows = try container.decode([[Double]].self, forKey: .W1)
            secondLayer = try container.decode([Double].self, forKey: .w2)
            output = try container.decode(Double.self, forKey: .w3)
            guard let width = rows.first?.count, rows.allSatisfy({ $0.count == width }), width == secondLayer.count else {
                throw ThreeLayerError.networkFile("W1 must be a non-empty d × m₁ array whose m₁ matches w2")
            }
            firstLayer = DenseMatrix(rows: rows)
        }

        public func encode(to encoder: Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode((0..<firstLayer.rowCount).map { firstLayer.row($0) }, forKey: .W1)
            try container.encode(secondLayer, forKey: .w2)
            try container.encode(output, forKey: .w3)
        }
    }

    /// The sub-networks.
    public var subNetworks: [SubNetwork]
    /// Whether the input gets a constant-1 column (a first-layer bias).
    public var hasBias: Bool

    /// A network from its sub-networks, whose first layers must all have the same number of rows.
    public init(subNetworks: [SubNetwork], hasBias: Bool) {
        precondition(Set(subNetworks.map(\.firstLayer.rowCount)).count <= 1, "ThreeLayerNetwork: sub-networks of different input sizes")
        self.subNetworks = subNetworks
        self.hasBias = hasBias
    }

    /// `K`, the number of sub-networks.
    public var count: Int { subNetworks.count }

    /// `X̃`: the features, with a ones column for a bias.
    public func designMatrix(_ features: DenseMatrix) -> DenseMatrix {
        ThreeLayerNetwork.design(features, bias: hasBias)
    }

    static func design(_ features: DenseMatrix, bias: Bool) -> DenseMatrix {
        guard bias else { return features }
        var out = DenseMatrix(rowCount: features.rowCount, columnCount: features.columnCount + 1, repeating: 1)
        for i in 0..<features.rowCount { for j in 0..<features.columnCount { out[i, j] = features[i, j] } }
        return out
    }

    /// The outputs `f(X)` (one per sample).
    public func predict(_ features: DenseMatrix) -> [Double] {
        let x = designMatrix(features)
        var f = [Double](repeating: 0, count: x.rowCount)
        for sub in subNetworks {
            precondition(sub.firstLayer.rowCount == x.columnCount, "ThreeLayerNetwork: \(x.columnCount) inputs, network expects \(sub.firstLayer.rowCount)")
            let h = x.multiplied(by: sub.firstLayer)
            for k in 0..<x.rowCount {
                var inner = 0.0
                for j in 0..<sub.secondLayer.count { inner += max(0, h[k, j]) * sub.secondLayer[j] }
                f[k] += max(0, inner) * sub.output
            }
        }
        return f
    }

    /// `(β/2) Σₖ (‖w₂ₖ‖² + w₃ₖ²)`: the weight decay of eq. 4 (the first layers are constrained, not penalized).
    public func regularization(beta: Double) -> Double {
        0.5 * beta * subNetworks.reduce(0) { $0 + $1.secondLayer.reduce(0) { $0 + $1 * $1 } + $1.output * $1.output }
    }

    /// `p(θ)` of eq. 4.
    public func objective(features: DenseMatrix, targets y: [Double], beta: Double) -> Double {
        Loss.squared.value(predictions: predict(features), targets: y) + regularization(beta: beta)
    }

    /// The largest `‖W₁ₖ‖_F` (at most 1 for a feasible network).
    public var largestFirstLayerNorm: Double {
        subNetworks.map { euclideanNorm($0.firstLayer.values) }.max() ?? 0
    }

    // MARK: files

    private struct Document: Codable {
        var architecture: String
        var bias: Bool
        var subnetworks: [SubNetwork]
    }

    /// The architecture name written in network files.
    public static let architectureName = "three-layer-parallel"

    /// Writes the network as JSON: `{"architecture": "three-layer-parallel", "bias": …,
    /// "subnetworks": [{"W1": d̃ × m₁ rows, "w2": [m₁], "w3": x}, …]}`.
    ///
    /// - Throws: ``ThreeLayerError/networkFile(_:)`` for a path not ending in `.json`, non-finite
    ///   weights or a failed write.
    public func save(to path: String) throws(ThreeLayerError) {
        guard path.lowercased().hasSuffix(".json") else {
            throw .networkFile("\(path): three-layer networks are written as .json")
        }
        guard subNetworks.allSatisfy({ $0.firstLayer.values.allSatisfy(\.isFinite) && $0.secondLayer.allSatisfy(\.isFinite) && $0.output.isFinite }) else {
            throw .networkFile("\(path): the network has non-finite weights")
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            let data = try encoder.encode(Document(architecture: Self.architectureName, bias: hasBias, subnetworks: subNetworks))
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw .networkFile("\(path): \(error.localizedDescription)")
        }
    }

    /// Reads a network written by ``save(to:)``.
    ///
    /// - Throws: ``ThreeLayerError/networkFile(_:)`` for a missing, malformed or inconsistent file.
    public static func load(path: String) throws(ThreeLayerError) -> ThreeLayerNetwork {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw .networkFile("\(path): cannot read (\(error.localizedDescription))")
        }
        let document: Document
        do { document = try JSONDecoder().decode(Document.self, from: data) } catch let error as ThreeLayerError {
            throw .networkFile("\(path): \(error)")
        } catch {
            throw .networkFile("\(path): not a three-layer network JSON document (\(error))")
        }
        guard document.architecture == architectureName else {
            throw .networkFile("\(path): architecture \"\(document.architecture)\", expected \"\(architectureName)\"")
        }
        guard Set(document.subnetworks.map(\.firstLayer.rowCount)).count <= 1 else {
            throw .networkFile("\(path): sub-networks with different input sizes")
        }
        return ThreeLayerNetwork(subNetworks: document.subnetworks, hasBias: document.bias)
    }
}
