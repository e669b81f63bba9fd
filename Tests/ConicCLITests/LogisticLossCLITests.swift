import Foundation
import Testing

/// `--loss logistic` and `--loss cross-entropy` on the commands that train them.
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

    @Test("nn cutting-plane --loss logistic (exact oracle, free bias) reaches nn train's optimum with --free-bias")
    func cuttingPlaneMatchesTrain() throws {
        let file = try temporaryFile(named: "labels.csv", contents: Self.labels)
        let data = ["--data", file.path, "--loss", "logistic", "--beta", "0.1", "--json", "--quiet"]
        let cut = try runConic(["nn", "cutting-plane", "--bias", "--oracle", "exact"] + data)
        #expect(cut.status == 0, "\(cut.standardError)")
        let train = try runConic(["nn", "train", "--free-bias", "--patterns", "exact"] + data)
        #expect(train.status == 0, "\(train.standardError)")
        let cutObject = try cut.jsonObject(), trainObject = try train.jsonObject()
        let cutObjective = try #require(cutObject["objective"] as? Double)
        let trainObjective = try #require(trainObject["objective"] as? Double)
        let cutLower = try #require(cutObject["lower_bound"] as? Double)
        #expect(abs(cutObjective - trainObjective) <= 1e-5 * trainObjective, "cutting plane \(cutObjective), train \(trainObjective)")
        #expect(cutLower <= trainObjective + 1e-9 && cutLower >= (1 - 1e-4) * cutObjective, "LB \(cutLower)")
    }

    @Test("nn train --loss cross-entropy on integer class labels: one output per class, certified; sgd stays above the bound")
    func crossEntropy() throws {
        let x = [-2.2, -1.9, -1.4, -1.0, -0.6, -0.2, 0.1, 0.5, 0.9, 1.3, 1.8, 2.1]
        let label = [0, 0, 1, 1, 2, 1, 2, 2, 0, 1, 0, 0]
        let csv = (["x,label"] + zip(x, label).map { "\($0),\($1)" }).joined(separator: "\n") + "\n"
        let file = try temporaryFile(named: "classes.csv", contents: csv)
        let common = ["--data", file.path, "--bias", "--loss", "cross-entropy", "--beta", "0.1", "--json"]
        let train = try runConic(["nn", "train", "--quiet"] + common)
        #expect(train.status == 0, "\(train.standardError)")
        let object = try train.jsonObject()
        #expect(object["loss"] as? String == "cross-entropy")
        #expect(object["outputs"] as? Int == 3)
        let objective = try #require(object["objective"] as? Double)
        let lower = try #require(object["lower_bound"] as? Double)
        #expect(lower <= objective && lower >= (1 - 1e-4) * objective, "LB \(lower), UB \(objective)")
        #expect(objective < 12 * log(3.0), "below the zero network's loss")
        let sgd = try runConic(["nn", "sgd", "--width", "8", "--epochs", "200"] + common)
        #expect(sgd.status == 0, "\(sgd.standardError)")
        let trained = try #require(try sgd.jsonObject()["objective"] as? Double)
        #expect(lower <= trained)
        // Real-valued targets are not classes.
        let values = try temporaryFile(named: "values.csv", contents: "x,y\n0,0.5\n1,1.5\n2,0.25\n")
        let refused = try runConic(["nn", "train", "--data", values.path, "--loss", "cross-entropy", "--beta", "0.1"])
        #expect(refused.status != 0)
        #expect(refused.standardError.contains("class labels"))
    }
}
