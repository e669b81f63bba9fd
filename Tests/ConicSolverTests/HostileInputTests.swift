import Foundation
import Testing
import ConicIO
@testable import ConicSolver
import ConicTestSupport

// Hostile input (issue 15): sizes near Int.max, headers that declare huge problems in a few
// bytes, and a gzip bomb. Each must end in its typed ConicError, never a trap or an abort.
// Memory cases run under an explicit task-local budget, so they do not depend on the machine.


private func isTooLarge(_ error: ConicError?) -> Bool {
    if case let .problemTooLarge(_, required, available)? = error { return required > available }
    return false
}

private func isParse(_ error: ConicError?, line: Int) -> Bool {
    if case let .parse(_, errorLine, _)? = error { return errorLine == line }
    return false
}

/// A budget far below what the hostile headers declare, and far above what a test problem needs.
private let budget = 256 << 20

@Suite("Hostile input")
struct HostileInputTests {
    // MARK: Integer overflow

    @Test func cbfConeDimensionNearIntMaxIsAParseError() {
        let error = conicError("F Int.max") {
            _ = try CBFReader.parse("VER\n3\nVAR\n1 2\nF 1\nF 9223372036854775807\n")
        }
        #expect(isParse(error, line: 6), "\(String(describing: error))")
        let huge = conicError("VAR Int.max") {
            _ = try CBFReader.parse("VER\n3\nVAR\n9223372036854775807 1\nF 9223372036854775807\n")
        }
        #expect(isParse(huge, line: 4), "\(String(describing: huge))")
        let tooBig = conicError("integer past Int.max") {
            _ = try CBFReader.parse("VER\n3\nVAR\n1 1\nF 99999999999999999999\n")
        }
        #expect(isParse(tooBig, line: 5))
    }

    @Test func sdpaSizesNearIntMaxAreParseErrors() {
        for (text, line) in [("1\n1\n9223372036854775807\n1\n", 3), ("1\n1\n-9223372036854775808\n1\n", 3),
                             ("1\n2\n23170 23170\n1\n", 3), ("9223372036854775807\n1\n1\n1\n", 1),
                             ("1\n1\n2\n1\n1 1 9223372036854775807 1 1\n", 5)] {
            let error = conicError(text) { _ = try SDPAReader.parse(text) }
            #expect(isParse(error, line: line), "\(text.debugDescription): \(String(describing: error))")
        }
    }

    @Test func sparseMatrixRejectsBadStartsAndHugeColumnCounts() {
        let decreasing = conicError("non-monotone starts") {
            _ = try SparseMatrix(rowCount: 3, columnCount: 2, columnStarts: [0, 5, 2], rowIndices: [0, 1],
                                 values: [1, 2])
        }
        guard case .invalidMatrix(_, let reason)? = decreasing else {
            Issue.record("expected invalidMatrix, got \(String(describing: decreasing))"); return
        }
        #expect(reason.contains("decreases"))
        let negative = conicError("negative start") {
            _ = try SparseMatrix(rowCount: 3, columnCount: 2, columnStarts: [0, -1, 1], rowIndices: [0], values: [1])
        }
        #expect({ if case .invalidMatrix? = negative { return true }; return false }())
        let maxColumns = conicError("CSC with Int.max columns") {
            _ = try SparseMatrix(rowCount: 1, columnCount: Int.max, columnStarts: [0], rowIndices: [], values: [])
        }
        #expect({ if case .invalidMatrix? = maxColumns { return true }; return false }())
        let triplets = conicError("triplets with Int.max columns") {
            _ = try SparseMatrix(rowCount: 1, columnCount: Int.max, rows: [], columns: [], values: [])
        }
        #expect(isTooLarge(triplets))
    }

    @Test func problemRejectsConeSizesThatOverflow() {
        let A = SparseMatrix.zeros(1, 1)
        let psd = conicError("PSD(Int.max)") {
            _ = try ConicProblem(q: [0], A: A, b: [0], cones: [.positiveSemidefinite(Int.max)])
        }
        #expect({ if case .invalidCones? = psd { return true }; return false }())
        let psdLarge = conicError("PSD(2^32)") {
            _ = try ConicProblem(q: [0], A: A, b: [0], cones: [.positiveSemidefinite(1 << 32)])
        }
        #expect({ if case .invalidCones? = psdLarge { return true }; return false }())
        // Int.max + Int.max + 2 wraps to 0 (and 1 + Int.max wraps negative): the sum must be checked.
        for cones: [ConeSpec] in [[.nonnegative(1), .nonnegative(Int.max)],
                                   [.zero(Int.max), .nonnegative(Int.max), .secondOrder(2), .nonnegative(1)]] {
            let error = conicError("\(cones)") { _ = try ConicProblem(q: [0], A: A, b: [0], cones: cones) }
            #expect({ if case .invalidCones? = error { return true }; return false }(), "\(String(describing: error))")
        }
        #expect(ConeSpec.positiveSemidefinite(Int.max).checkedDimension == nil)
        #expect(ConeSpec.positiveSemidefinite(4).checkedDimension == 10)
    }

    // MARK: Memory bombs

    @Test func sdpaHeadersDeclaringHugeBlocksAreRefused() {
        MemoryBudget.$limit.withValue(budget) {
            for text in ["1\n1\n-268435456\n1\n", "1\n1\n23169\n1\n", "1\n2\n-100000000 -100000000\n1\n"] {
                let error = conicError(text) { _ = try SDPAReader.parse(text) }
                #expect(isTooLarge(error), "\(text.debugDescription): \(String(describing: error))")
                #expect(error?.description.contains("GiB") == true)
            }
        }
    }

    @Test func cbfHeadersDeclaringHugeProblemsAreRefused() {
        MemoryBudget.$limit.withValue(budget) {
            for text in ["VER\n3\nVAR\n100000000 1\nL+ 100000000\n",
                         "VER\n3\nVAR\n1 1\nF 1\nPSDVAR\n1\n14141\n",
                         "VER\n3\nVAR\n1 1\nF 1\nCON\n100000000 1\nL= 100000000\n",
                         "VER\n3\nVAR\n1 1\nF 1\nPSDCON\n2\n5000\n5000\n"] {
                let error = conicError(text) { _ = try CBFReader.parse(text) }
                #expect(isTooLarge(error), "\(text.debugDescription): \(String(describing: error))")
            }
        }
    }

    @Test func smallProblemsStillReadUnderASmallBudget() throws {
        try MemoryBudget.$limit.withValue(budget) {
            let sdpa = try SDPAReader.parse("1\n1\n2\n1\n1 1 1 1 1\n0 1 1 2 0.5\n")
            #expect(sdpa.constraintCount == 3)
            let cbf = try CBFReader.parse("VER\n3\nVAR\n2 1\nL+ 2\nOBJACOORD\n1\n0 1\n")
            #expect(cbf.variableCount == 2)
        }
    }

    @Test func gzipBombIsStoppedAtTheBudget() throws {
        // 3 MiB of a CBF comment compressed to 3 KiB; a 1 MiB budget allows 1 MiB of text.
        let gzip = try #require(Data(base64Encoded: gzipBomb))
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("conic-hostile-\(UUID().uuidString).cbf.gz").path
        try gzip.write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        MemoryBudget.$limit.withValue(1 << 20) {
            let error = conicError("gzip bomb") { _ = try CBFReader.read(path: path) }
            #expect(isTooLarge(error), "\(String(describing: error))")
        }
        // With room for it, the same file decompresses and fails only for lacking a VAR section.
        MemoryBudget.$limit.withValue(64 << 20) {
            let error = conicError("gzip bomb, large budget") { _ = try CBFReader.read(path: path) }
            #expect(isParse(error, line: 0), "\(String(describing: error))")
        }
    }

    @Test func budgetSizesParseAndSaturate() {
        #expect(MemoryBudget.parseSize("4G") == 4 << 30)
        #expect(MemoryBudget.parseSize("512MiB") == 512 << 20)
        #expect(MemoryBudget.parseSize("1000") == 1000)
        #expect(MemoryBudget.parseSize("-3") == nil)
        #expect(MemoryBudget.parseSize("lots") == nil)
        #expect(MemoryBudget.bytes([(Int.max, 8)]) == Int.max)
        #expect(MemoryBudget.solverBytes(variables: Int.max, rows: 1, nonzeros: 0, psdOrders: []) == Int.max)
        #expect(MemoryBudget.solverBytes(variables: 1, rows: 1, nonzeros: 0, psdOrders: [Int.max]) == Int.max)
        #expect(MemoryBudget.$limit.withValue(12345) { MemoryBudget.availableBytes() } <= 12345)
    }
}

/// gzip of "VER\n3\n#" followed by 3 MiB of blanks and a newline.
private let gzipBomb = "H4sIAOjKFmsC/+3BQQ0AMAgEsP+pIJmEaZgBHvMvBR0kbf/r3JwCAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABYLgONJ68jCAAwAA=="
