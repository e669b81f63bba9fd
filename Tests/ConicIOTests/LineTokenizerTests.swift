import Testing
@testable import ConicIO

/// The tokenizer the three readers share, on its own: which lines count, where fields end, and how
/// numbers are read, for each format's syntax.
@Suite("LineTokenizer")
struct LineTokenizerTests {
    /// Every line with fields, as (line number, fields).
    private func lines(_ text: String, _ syntax: TextSyntax) -> [(Int, [String])] {
        LineTokenizer.withTokenizer(Array(text.utf8) + [0], syntax: syntax) { tokenizer in
            var out: [(Int, [String])] = []
            while tokenizer.nextLine() {
                out.append((tokenizer.line, (0..<tokenizer.fieldCount).map { tokenizer.field($0) }))
            }
            return out
        }
    }

    @Test func commentsBlankLinesAndLineEnds() {
        // CBF: '#' as the first non-blank character; CRLF and tabs; a last line without a newline.
        let cbf = lines("VER\r\n  # note\n\n\t3 \t4\r\n# x\nF 1", .cbf)
        #expect(cbf.map(\.0) == [1, 4, 6])
        #expect(cbf.map(\.1) == [["VER"], ["3", "4"], ["F", "1"]])
        // SDPA: '"' or '*' comments; list punctuation separates numbers.
        let sdpa = lines("\"title\"\n * c\n{1, 2,-3}\n(4)(5)\n", .sdpa)
        #expect(sdpa.map(\.0) == [3, 4])
        #expect(sdpa.map(\.1) == [["1", "2", "-3"], ["4", "5"]])
        // MPS: '*' only in column 1; elsewhere it is part of the data.
        let mps = lines("* comment\n *x 1\nNAME  a b\n", .mps)
        #expect(mps.map(\.1) == [["*x", "1"], ["NAME", "a", "b"]])
    }

    @Test func integersAreCheckedLeftToRight() {
        LineTokenizer.withTokenizer(Array("12 -7 +3 + 1x 99999999999999999999 99999999999999999999x 2.0\n".utf8) + [0],
                                    syntax: .cbf) { tokenizer in
            let hasLine = tokenizer.nextLine()
            #expect(hasLine)
            let read = (0..<tokenizer.fieldCount).map { tokenizer.integer($0) }
            #expect(read == [.value(12), .value(-7), .value(3), .notAnInteger, .notAnInteger, .tooLarge, .tooLarge,
                             .notAnInteger])
        }
    }

    @Test func realsAreReadWholeAndFortranExponentsOnlyInMPS() {
        let text = "1.5 -2e3 1.5D+02 1e 0x1p3 nan inf\n"
        let expected: [Double?] = [1.5, -2000, nil, nil, 8, .nan, .infinity]
        LineTokenizer.withTokenizer(Array(text.utf8) + [0], syntax: .cbf) { tokenizer in
            let hasLine = tokenizer.nextLine()
            #expect(hasLine)
            for k in 0..<tokenizer.fieldCount {
                let value = tokenizer.real(k)
                if let e = expected[k], e.isNaN { #expect(value?.isNaN == true) } else { #expect(value == expected[k], "field \(k)") }
            }
        }
        #expect(LineTokenizer.real("1.5D+02", syntax: .mps) == 150)
        #expect(LineTokenizer.real("1.5d-1", syntax: .mps) == 0.15)
        #expect(LineTokenizer.real("1.5D+02", syntax: .cbf) == nil)
        #expect(LineTokenizer.real("1.5E+02x", syntax: .mps) == nil)
        #expect(LineTokenizer.real("", syntax: .mps) == nil)
    }

    @Test func fixedColumnsAndExcerpts() {
        LineTokenizer.withTokenizer(Array(" N  COST   \r\n".utf8) + [0], syntax: .mps) { tokenizer in
            let hasLine = tokenizer.nextLine()
            #expect(hasLine)
            #expect(tokenizer.lineStartsWithBlank)
            #expect(tokenizer.columns(2, 3) == "N")
            #expect(tokenizer.columns(5, 12) == "COST")
            #expect(tokenizer.columns(15, 22) == "")
            let hasMore = tokenizer.nextLine()
            #expect(!hasMore)
        }
        let long = String(repeating: "7", count: 100)
        LineTokenizer.withTokenizer(Array(long.utf8) + [0], syntax: .cbf) { tokenizer in
            let hasLine = tokenizer.nextLine()
            #expect(hasLine)
            #expect(tokenizer.field(0) == long)
            #expect(tokenizer.excerpt(0) == String(repeating: "7", count: 60) + "…")
        }
    }
}
