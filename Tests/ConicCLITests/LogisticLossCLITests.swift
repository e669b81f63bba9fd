import Foundation
import Testing

/// `--loss logistic` on the commands that train it, and a clear refusal where it is not available.
@Suite struct LogisticLossCLITests {
    /// Twelve points on a line with ±1 labels that one neuron cannot separate.
    static let labels: String = {
        let x = [-2.2, -1.9, -1.4, -1.0, -0.6, -0.2, 0.1, 0.5, 0.9, 1.3, 1.8, 2.1]
        let y = [1, 1, -1, -1, 1, -1, 1, 1, -1, -1, 1, 1]
        return (["x,y"] + zip(x, y).map { "\($0),\($1)" }).joined(separator: "\n") + "\n"
    }()

    @Test("nn train --loss logistic certifies, nn sgd trains the same objective above its lower bound")
    func trainAndSGD() throws {
        let file = try temporaryFile(named: "labels.csv", contents: Self.labels)
        let common = ["--data", file.path, "--bias", "--loss", "logistic", "--beta", "0.1", "--json"]
        let train = try runConic(["nn", "train", "--patterns", "exact", "--quiet"] + common)
        #expect(train.status == 0, "\(train.standardError)")
        let certified = try train.jsonObject()
        #expect(certified["loss"] as? String == "logistic")
        let objective = try #require(certified["objective"] as? Double)
        let lower = try #require(certified["lower_bound"] as? Double)
        #expect(lower <= objective && lower >= (1 - 1e-4) * objective, "LB \(lower), UB \(objective)")
        #expect(objective < 12 * log(2.0), "below the zero network's loss")
        let sgd = try runConic(["nn", "sgd", "--width", "8", "--epochs", "200"] + common)
        #expect(sgd.status == 0, "\(sgd.standardError)")
        let trained = try #require(try sgd.jsonObject()["objective"] as? Double)
        #expect(lower <= trained)
    }

    @Test("nn cutting-plane refuses --loss logistic instead of training another loss")
    func cuttingPlaneRefuses() throws {
        let file = try temporaryFile(named: "labels.csv", contents: Self.labels)
        let run = try runConic(["nn", "cutting-plane", "--data", file.path, "--loss", "logistic", "--beta", "0.1"])
        #expect(run.status == 64)
        #expect(run.standardError.contains("logistic"))
    }
}
