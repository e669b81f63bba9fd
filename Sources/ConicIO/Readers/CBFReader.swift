import ConicSolver
import Foundation

/// Reader for the Conic Benchmark Format (CBF, versions 1 to 4), the format of the CBLIB library
/// (https://cblib.zib.de, specification: https://cblib.zib.de/doc/format3.pdf). Files may be
/// plain text or gzip-compressed (`.cbf.gz`); compression is detected from the magic bytes
/// `1f 8b`, not from the file name.
///
/// A file describes
///
///     min/max     cᵀx + Σⱼ ⟨F_obj,j, Xⱼ⟩ + c₀
///     subject to  g = A_cbf x + Σⱼ ⟨F_j, Xⱼ⟩ + b_cbf ∈ K_con,   x ∈ K_var,   Xⱼ ⪰ 0,
///                 Gᵢ = Σⱼ xⱼ H_ij + Dᵢ ⪰ 0
///
/// where `K_var` (section `VAR`) and `K_con` (section `CON`) are products of the cones below, each
/// listed as `NAME dim` and covering the next `dim` variables or rows:
///
/// | name | cone                                                   |
/// |------|--------------------------------------------------------|
/// | `F`  | free: no constraint                                    |
/// | `L+` | `u ≥ 0`                                                |
/// | `L-` | `u ≤ 0`                                                |
/// | `L=` | `u = 0`                                                |
/// | `Q`  | `u₁ ≥ ‖(u₂, …, u_d)‖₂` (second-order cone)             |
/// | `QR` | `2u₁u₂ ≥ ‖(u₃, …, u_d)‖₂²`, `u₁, u₂ ≥ 0` (rotated cone) |
/// | `EXP` | `u₁ ≥ u₂ exp(u₃/u₂)`, `u₂ > 0` (closure; `d = 3`)      |
/// | `EXP*` | `u₁ ≥ −u₃ exp(u₂/u₃ − 1)`, `u₃ < 0` (closure; `d = 3`) |
/// | `@k:POW` | `u₁^{a₁/(a₁+a₂)} u₂^{a₂/(a₁+a₂)} ≥ |u₃|`, `u₁, u₂ ≥ 0` (`d = 3`) |
/// | `@k:POW*` | `(u₁/α)^α (u₂/(1−α))^{1−α} ≥ |u₃|`, `α = a₁/(a₁+a₂)` (`d = 3`) |
///
/// where `(a₁, a₂)` is entry `k` (0-based) of the `POWCONES` (for `POW*`: `POW*CONES`) section: a
/// line `count total`, then per cone a line with its number of parameters (2: only 3-D power
/// cones are supported) and one line per parameter (`aᵢ > 0`). An `EXP` or `EXP*` block `g` maps
/// to ``ConeSpec/exponential`` or ``ConeSpec/dualExponential`` on the reversed rows
/// `(g₃, g₂, g₁)` (the solver lists the bound last), a `POW` block to ``ConeSpec/power(_:)``
/// `(α)` and a `POW*` block to ``ConeSpec/dualPower(_:)`` `(α)` in file order;
/// the `Xⱼ` are the symmetric matrix variables of section `PSDVAR`, and the `Gᵢ` the affine matrix
/// constraints of section `PSDCON` (see below).
///
/// It is returned as a ``ConicProblem``
///
///     minimize    qᵀx̂ + c₀        (P = 0)
///     subject to  Ax̂ + s = b,  s ∈ K
///
/// whose variables are `x̂ = (x, svec(X₀), svec(X₁), …)`: the `n` scalar variables of `VAR`, then,
/// for each `PSDVAR` matrix `Xⱼ` of order `nⱼ` in file order, the `nⱼ(nⱼ+1)/2` entries of
/// `svec(Xⱼ)` (upper triangle column by column, off-diagonal entries times √2; see ``Svec`` and
/// `docs/psd-vectorization.md`). The columns of `Xⱼ` are ``Model/psdVariableColumns``.
///
/// The rows of `A` are, in this order:
///
/// 1. the `CON` blocks in file order: a block of rows `g = A_blk x + b_blk` in cone `C` becomes
///    rows with slack `s = W g`, that is `−W A_blk x + s = W b_blk`, where
///    - `L+`: `W = I`, cone ``ConeSpec/nonnegative(_:)``;
///    - `L-`: `W = −I` (`s = −g ≥ 0`, rows `A_blk x + s = −b_blk`), cone ``ConeSpec/nonnegative(_:)``;
///    - `L=`: `W = I`, cone ``ConeSpec/zero(_:)`` (rows `A_blk x = −b_blk`);
///    - `Q`: `W = I`, cone ``ConeSpec/secondOrder(_:)``;
///    - `QR`: `W = T = [[1/√2, 1/√2, 0], [1/√2, −1/√2, 0], [0, 0, I]]`, cone
///      ``ConeSpec/secondOrder(_:)``: `g` is in the rotated cone exactly when
///      `T g = ((g₁+g₂)/√2, (g₁−g₂)/√2, g₃, …)` is in the second-order cone;
///    - `F`: no rows (the rows of a free block are dropped, with their coefficients);
///
///    `FCOORD` terms `⟨F_ij, Xⱼ⟩` are part of `g` (columns of `svec(Xⱼ)`, see below);
/// 2. then the `PSDCON` constraints in file order: constraint `i` of order `mᵢ` becomes one
///    ``ConeSpec/positiveSemidefinite(_:)`` `(mᵢ)` cone on `mᵢ(mᵢ+1)/2` rows with slack
///    `s = svec(Σⱼ xⱼ H_ij + Dᵢ)`, that is `A = −svec(H_ij)` in column `j` and `b = svec(Dᵢ)`
///    (an entry `(k, l)`, `k ≠ l`, of `H_ij` or `Dᵢ` enters its row `Svec.index(l, k)` times √2);
/// 3. then the `VAR` blocks in file order, treated like `CON` blocks with `g = x_blk` (so
///    `A_blk = I` and `b_blk = 0`): `L+` gives rows `−x_j + s = 0`, `s ≥ 0`; `L-` rows
///    `x_j + s = 0`, `s ≥ 0`; `L=` zero rows `−x_j = 0`; `Q` rows `−x_blk + s = 0` in a
///    second-order cone; `QR` rows `−T x_blk + s = 0` in a second-order cone; `F` nothing;
/// 4. last the `PSDVAR` matrices in file order: `Xⱼ` of order `nⱼ` becomes one
///    ``ConeSpec/positiveSemidefinite(_:)`` `(nⱼ)` cone on the rows `−svec(Xⱼ) + s = 0`.
///
/// Consecutive output cones of kind ``ConeSpec/zero(_:)`` or ``ConeSpec/nonnegative(_:)`` are
/// merged into one cone (also across the boundary between the `CON` and the `VAR` rows when there
/// is no `PSDCON` between them); every `Q` or `QR` block is its own ``ConeSpec/secondOrder(_:)``
/// cone, every `PSDCON` constraint and `PSDVAR` matrix its own
/// ``ConeSpec/positiveSemidefinite(_:)`` cone (also for order 1).
///
/// Semidefinite data: a symmetric matrix is given by the entries `(k, l)` of its lower triangle
/// (`k ≥ l`, 0-based); `(k, l)` stands for both `(k, l)` and `(l, k)`. Entries above the diagonal
/// (`k < l`) are rejected, since accepting them would silently double a matrix written out in
/// full. Since `⟨F, X⟩ = Σ_k F_kk X_kk + 2 Σ_{k>l} F_kl X_kl` and the variable of `X_kl` is
/// `√2·X_kl`, a diagonal entry `v` of `F` is the coefficient `v` of the variable of `X_kk`, an
/// off-diagonal one the coefficient `√2·v` of the variable of `X_lk` (at `Svec.index(l, k)`):
/// - `PSDVAR`: a count line `N`, then `N` lines with the orders `nⱼ ≥ 1`;
/// - `PSDCON`: a count line `M`, then `M` lines with the orders `mᵢ ≥ 1`;
/// - `OBJFCOORD`: a count line, then `j k l value` lines: entries of `F_obj,j`;
/// - `FCOORD`: a count line, then `i j k l value` lines: entries of `F_ij` (row `i` of `CON`);
/// - `HCOORD`: a count line, then `i j k l value` lines: entries of `H_ij` (constraint `i` of
///   `PSDCON`, scalar variable `j` of `VAR`);
/// - `DCOORD`: a count line, then `i k l value` lines: entries of `Dᵢ`.
///
/// Conventions:
/// - `OBJSENSE MAX` makes the returned problem minimize the *negated* objective `−cᵀx − c₀`
///   (`q = −c`, `c₀` negated; also the `OBJFCOORD` part), so the optimal value of the returned
///   problem is minus the optimal value of the file's maximization problem. `OBJSENSE` defaults to
///   `MIN` when absent.
/// - `OBJACOORD` gives `c` sparsely (a count line, then `j value` lines), `OBJBCOORD` the constant
///   `c₀`, `ACOORD` the matrix `A_cbf` (a count line, then `i j value` lines) and `BCOORD` the
///   vector `b_cbf` (a count line, then `i value` lines). Indices are 0-based; entries given more
///   than once are summed (also in the semidefinite sections).
/// - `VER` must be the first keyword; versions 1 to 4 are accepted. `VAR` is required; `CON`,
///   `PSDVAR` and `PSDCON` may be absent. A section must come after the sections that declare its
///   dimensions: `OBJACOORD` after `VAR`, `ACOORD` after `VAR` and `CON`, `BCOORD` after `CON`,
///   `OBJFCOORD` after `PSDVAR`, `FCOORD` after `PSDVAR` and `CON`, `HCOORD` after `PSDCON` and
///   `VAR`, `DCOORD` after `PSDCON` (the order of the CBF specification satisfies all of these).
///   Every keyword may appear at most once.
/// - Lines whose first non-blank character is `#` are comments; blank lines are ignored anywhere.
///   Fields are separated by blanks or tabs; CRLF line ends are accepted.
/// - Cone dimensions and matrix orders must be at least 1 (at least 2 for `QR`); `n`, `m` and the
///   total number of `svec` entries of the `PSDVAR` (and of the `PSDCON`) matrices are at most 10⁸,
///   and the problem they declare must fit in memory (see ``MemoryBudget``): a file declaring more
///   throws ``ConicError/problemTooLarge(what:requiredBytes:availableBytes:)`` before the reader
///   allocates anything of that size.
/// - Not supported, reported as parse errors at the line where they appear: integer variables
///   (`INT`), power cones of more than 3 entries or with other than 2 parameters, and the CBF 4
///   `SVECPSD` cones in `VAR` or `CON`.
///
/// Malformed input throws ``ConicError/parse(file:line:message:)`` with the 1-based line number
/// (0 for problems not tied to a line, such as a missing `VAR` section); files that cannot be
/// read or decompressed throw ``ConicError/io(_:)``.
public enum CBFReader {

    /// A cone of the `VAR` or `CON` section of a CBF file, named as in the file.
    public enum Cone: String, Sendable, Hashable, CaseIterable {
        /// `F`: free.
        case free = "F"
        /// `L+`: nonnegative.
        case nonnegative = "L+"
        /// `L-`: nonpositive.
        case nonpositive = "L-"
        /// `L=`: fixed at zero.
        case zero = "L="
        /// `Q`: second-order cone, first entry ≥ norm of the others.
        case quadratic = "Q"
        /// `QR`: rotated second-order cone `2u₁u₂ ≥ ‖u₃:‖²`, `u₁, u₂ ≥ 0`.
        case rotatedQuadratic = "QR"
        /// `EXP`: exponential cone `u₁ ≥ u₂ exp(u₃/u₂)`.
        case exponential = "EXP"
        /// `EXP*`: dual exponential cone `u₁ ≥ −u₃ exp(u₂/u₃ − 1)`.
        case dualExponential = "EXP*"
        /// `@k:POW`: power cone with the parameters of entry `k` of `POWCONES`
        /// (``ConeBlock/powerIndex``).
        case power = "POW"
        /// `@k:POW*`: dual power cone with the parameters of entry `k` of `POW*CONES`.
        case dualPower = "POW*"
    }

    /// One `CONE dim` line of a `VAR` or `CON` section.
    public struct ConeBlock: Sendable, Equatable, Hashable {
        /// The cone.
        public let cone: Cone
        /// The number of variables or rows it covers.
        public let dimension: Int
        /// For `@k:POW` and `@k:POW*`: `k`, the entry of the `POWCONES` (`POW*CONES`) section.
        public let powerIndex: Int?

        public init(_ cone: Cone, _ dimension: Int, powerIndex: Int? = nil) {
            self.cone = cone
            self.dimension = dimension
            self.powerIndex = powerIndex
        }
    }

    /// A parsed CBF file: the conic problem together with the structure of the file.
    public struct Model: Sendable {
        /// The problem in our form (see ``CBFReader`` for the mapping).
        public let problem: ConicProblem
        /// The format version from the `VER` line.
        public let version: Int
        /// `true` for `OBJSENSE MAX`; ``problem`` then minimizes the negated objective.
        public let isMaximization: Bool
        /// The cones of the `VAR` section, in file order.
        public let variableCones: [ConeBlock]
        /// The cones of the `CON` section, in file order (empty when the file has no `CON`).
        public let constraintCones: [ConeBlock]
        /// The orders `nⱼ` of the `PSDVAR` matrix variables, in file order (empty without `PSDVAR`).
        public let psdVariableOrders: [Int]
        /// The orders `mᵢ` of the `PSDCON` matrix constraints, in file order (empty without `PSDCON`).
        public let psdConstraintOrders: [Int]

        /// Number of scalar variables `n` of the file (the `VAR` section); they are the first
        /// variables of ``problem``, followed by the `svec` entries of the `PSDVAR` matrices.
        public var variableCount: Int { variableCones.reduce(0) { $0 + $1.dimension } }
        /// Number of scalar constraint rows `m` of the file (the `CON` section), including the rows
        /// of free (`F`) blocks that ``problem`` drops.
        public var constraintCount: Int { constraintCones.reduce(0) { $0 + $1.dimension } }
        /// The columns of ``problem`` holding `svec(Xⱼ)` for each `PSDVAR` matrix `Xⱼ`, in file
        /// order; `Svec.matrix(Array(solution.x[range]))` recovers `Xⱼ` from a solution.
        public var psdVariableColumns: [Range<Int>] {
            var start = variableCount
            return psdVariableOrders.map { order in
                defer { start += Svec.length(order: order) }
                return start ..< start + Svec.length(order: order)
            }
        }
    }

    /// Reads a CBF file, plain or gzip-compressed, from disk.
    ///
    /// - Throws: ``ConicError/io(_:)`` when the file cannot be read or decompressed,
    ///   ``ConicError/parse(file:line:message:)`` when it is malformed or uses unsupported features.
    public static func read(path: String) throws -> ConicProblem {
        try readModel(path: path).problem
    }

    /// Parses CBF text; `fileName` is used in error messages.
    ///
    /// - Throws: ``ConicError/parse(file:line:message:)`` when the text is malformed or uses
    ///   unsupported features.
    public static func parse(_ text: String, fileName: String = "<input>") throws -> ConicProblem {
        try parseModel(text, fileName: fileName).problem
    }

    /// Reads a CBF file, plain or gzip-compressed, keeping the structure of the file.
    ///
    /// - Throws: ``ConicError/io(_:)`` when the file cannot be read or decompressed,
    ///   ``ConicError/parse(file:line:message:)`` when it is malformed or uses unsupported features.
    public static func readModel(path: String) throws -> Model {
        try parseModel(nullTerminated: loadFile(path: path), fileName: path)
    }

    /// Parses CBF text, keeping the structure of the file; `fileName` is used in error messages.
    ///
    /// - Throws: ``ConicError/parse(file:line:message:)`` when the text is malformed or uses
    ///   unsupported features.
    public static func parseModel(_ text: String, fileName: String = "<input>") throws -> Model {
        var bytes = Array(text.utf8)
        bytes.append(0)
        return try parseModel(nullTerminated: bytes, fileName: fileName)
    }

    // MARK: Input

    /// The bytes of the file at `path`, decompressed when gzip-compressed, with a terminating zero byte.
    static func loadFile(path: String) throws -> [UInt8] {
        try readFileBytes(path, kind: "CBF", nullTerminated: true, decompressingGzip: true)
    }

    private static func parseModel(nullTerminated bytes: [UInt8], fileName: String) throws -> Model {
        try reportingParseFailures(in: fileName) {
            try LineTokenizer.withTokenizer(bytes, syntax: .cbf) { text in
                var parser = CBFParser(text: text)
                return try parser.run()
            }
        }
    }
}

// MARK: - Parser

/// The keywords of CBF versions 1 to 3.
private enum CBFKeyword: String {
    case version = "VER"
    case objectiveSense = "OBJSENSE"
    case psdVariables = "PSDVAR"
    case variables = "VAR"
    case integers = "INT"
    case psdConstraints = "PSDCON"
    case constraints = "CON"
    case objectiveF = "OBJFCOORD"
    case objectiveA = "OBJACOORD"
    case objectiveB = "OBJBCOORD"
    case coordF = "FCOORD"
    case coordA = "ACOORD"
    case coordB = "BCOORD"
    case coordH = "HCOORD"
    case coordD = "DCOORD"
    case powerCones = "POWCONES"
    case dualPowerCones = "POW*CONES"
}

/// Largest accepted number of variables or constraint rows: far beyond what can be solved, and
/// small enough that a corrupt header cannot make the reader allocate absurd amounts of memory.
/// Also the bound on the number of `svec` entries of all `PSDVAR` (or all `PSDCON`) matrices.
private let cbfMaxDimension = 100_000_000

/// Largest accepted order of a `PSDVAR` or `PSDCON` matrix: the largest `n` with
/// `n(n+1)/2 ≤ cbfMaxDimension`.
private let cbfMaxOrder = 14_141

private struct CBFParser {
    /// The lines and fields of the input.
    var text: LineTokenizer
    /// 1-based number of the current line.
    var line: Int { text.line }

    // Structure.
    var seen: [CBFKeyword: Int] = [:]
    var version: Int?
    var maximize = false
    var variableCones: [CBFReader.ConeBlock]?
    var constraintCones: [CBFReader.ConeBlock]?
    var variableCount = 0
    var constraintCount = 0
    /// The last section with a count of entries, for hints when a file has too many entries.
    var lastCounted: (keyword: String, line: Int, count: String)?

    // Data.
    var c: [Double] = []
    var constant = 0.0
    var entryRows: [Int] = []
    var entryColumns: [Int] = []
    var entryValues: [Double] = []
    var bCon: [Double] = []

    // Semidefinite structure and data.
    var psdVariableOrders: [Int]?
    /// Start of `svec(Xⱼ)` among the PSD variable entries (add `variableCount` for the column).
    var psdVariableOffsets: [Int] = []
    var psdVariableLength = 0
    var psdConstraintOrders: [Int]?
    /// The exponents `α = a₁/(a₁ + a₂)` of the `POWCONES` and `POW*CONES` entries.
    var powerAlphas: [Double] = []
    var dualPowerAlphas: [Double] = []
    /// Start of the rows of `PSDCON` constraint `i` among the PSDCON rows.
    var psdConstraintOffsets: [Int] = []
    var psdConstraintLength = 0
    /// The objective on the PSD variable entries (`OBJFCOORD`, scaled by √2 off the diagonal).
    var cPSD: [Double] = []
    /// `FCOORD`: CBF row, PSD variable entry, coefficient (scaled).
    var fRows: [Int] = []
    var fEntries: [Int] = []
    var fValues: [Double] = []
    /// `HCOORD`: PSDCON row, scalar variable, coefficient of `svec(H)` (scaled).
    var hRows: [Int] = []
    var hColumns: [Int] = []
    var hValues: [Double] = []
    /// `DCOORD`: `svec(Dᵢ)` for all PSDCON constraints, concatenated.
    var dPSD: [Double] = []

    init(text: LineTokenizer) {
        self.text = text
    }

    // MARK: Fields

    private var fieldCount: Int { text.fieldCount }

    /// Field `k` as text, shortened for messages.
    private func field(_ k: Int) -> String { text.excerpt(k) }

    /// The keyword of the current line, when its first field is one.
    private func keywordOfLine() -> CBFKeyword? {
        guard fieldCount > 0, (3...9).contains(text.byteCount(ofField: 0)) else { return nil }
        return CBFKeyword(rawValue: text.field(0))
    }

    private func fail(_ message: String) -> TextParseFailure {
        TextParseFailure(line: line, message: message)
    }

    /// Field `k` as an integer; `what` names it in messages.
    private func integer(_ k: Int, _ what: @autoclosure () -> String) throws -> Int {
        switch text.integer(k) {
        case let .value(value): return value
        case .notAnInteger: throw fail("'\(field(k))' is not a valid integer (\(what()))")
        case .tooLarge: throw fail("integer '\(field(k))' is too large (\(what()))")
        }
    }

    /// Field `k` as a count or dimension in `minimum ... maximum`.
    private func size(_ k: Int, _ what: @autoclosure () -> String, minimum: Int = 0,
                      maximum: Int = Int.max) throws -> Int {
        let value = try integer(k, what())
        guard value >= minimum else { throw fail("\(what()) is \(value); it must be at least \(minimum)") }
        guard value <= maximum else { throw fail("\(what()) is \(value); at most \(maximum) is supported") }
        return value
    }

    /// Field `k` as a 0-based index below `bound`; `context` says where the bound comes from.
    private func index(_ k: Int, _ what: String, below bound: Int,
                       _ context: @autoclosure () -> String) throws -> Int {
        let value = try integer(k, what)
        guard value >= 0, value < bound else {
            let valid = bound > 0 ? "valid: 0...\(bound - 1); \(context())" : context()
            throw fail("\(what) \(value) is out of range (\(valid))")
        }
        return value
    }

    /// Field `k` as a finite number; `what` names it in messages.
    private func real(_ k: Int, _ what: String) throws -> Double {
        guard let value = text.real(k) else {
            throw fail("'\(field(k))' is not a valid number (\(what))")
        }
        guard value.isFinite else {
            throw fail("value '\(field(k))' is not finite (\(what)); NaN and infinite values are not allowed")
        }
        return value
    }

    /// What the lines of a section are called in messages.
    enum Noun {
        case entry, cone, matrix

        func count(_ k: Int) -> String {
            switch self {
            case .entry: return k == 1 ? "1 entry" : "\(k) entries"
            case .cone: return k == 1 ? "1 cone" : "\(k) cones"
            case .matrix: return k == 1 ? "1 matrix" : "\(k) matrices"
            }
        }
    }

    /// Reads the next data line of the section `keyword` (whose keyword is on `headerLine`), which
    /// must have `fields` fields laid out as `layout`. `entry` and `total` count the entries of the
    /// section for messages (`total` is nil for the fixed lines after a keyword).
    private mutating func dataLine(_ keyword: String, headerLine: Int, fields: Int, layout: String,
                                   entry: Int = 0, total: Int? = nil, noun: Noun = .entry) throws {
        guard text.nextLine() else {
            if let total {
                throw TextParseFailure(line: headerLine, message:
                    "\(keyword) announces \(noun.count(total)) but the file ends after \(entry)")
            }
            throw TextParseFailure(line: headerLine, message: "\(keyword) must be followed by a line '\(layout)', but the file ends")
        }
        let first = text.firstByte(ofField: 0)
        if fieldCount != fields || (first >= 65 && first <= 90), let found = keywordOfLine() {
            if let total {
                throw fail("\(keyword) (line \(headerLine)) announces \(noun.count(total)) "
                           + "but only \(entry) \(entry == 1 ? "is" : "are") given before \(found.rawValue)")
            }
            throw fail("\(keyword) must be followed by a line '\(layout)', not by the keyword \(found.rawValue)")
        }
        guard fieldCount == fields else {
            throw fail("\(keyword) line has \(text.fieldCountText); expected \(fields) (\(layout))")
        }
    }

    // MARK: Driver

    mutating func run() throws -> CBFReader.Model {
        while text.nextLine() {
            let headerLine = line
            guard let keyword = keywordOfLine() else {
                let first = text.firstByte(ofField: 0)
                let looksNumeric = (first >= 48 && first <= 57) || first == 43 || first == 45 || first == 46
                if looksNumeric, let last = lastCounted {
                    throw fail("expected a keyword but found data; \(last.keyword) (line \(last.line)) announces "
                               + "\(last.count), does it have more?")
                }
                if looksNumeric { throw fail("expected a keyword but found data '\(field(0))'") }
                throw fail("unknown keyword '\(field(0))'")
            }
            guard fieldCount == 1 else {
                throw fail("the keyword \(keyword.rawValue) must be alone on its line; its data follow on the next lines")
            }
            if version == nil, keyword != .version {
                throw fail("the file must start with the VER keyword, found \(keyword.rawValue)")
            }
            if let previous = seen[keyword] {
                throw fail("duplicate \(keyword.rawValue) section (first at line \(previous))")
            }
            seen[keyword] = headerLine
            lastCounted = nil
            switch keyword {
            case .version: try readVersion(headerLine)
            case .objectiveSense: try readSense(headerLine)
            case .variables: try readVariables(headerLine)
            case .constraints: try readConstraints(headerLine)
            case .integers: throw fail("integer variables are not supported (INT section)")
            case .psdVariables: try readPSDVariables(headerLine)
            case .psdConstraints: try readPSDConstraints(headerLine)
            case .objectiveF: try readObjectiveF(headerLine)
            case .coordF: try readF(headerLine)
            case .coordH: try readH(headerLine)
            case .coordD: try readD(headerLine)
            case .powerCones: powerAlphas = try readPowerCones(keyword.rawValue, headerLine)
            case .dualPowerCones: dualPowerAlphas = try readPowerCones(keyword.rawValue, headerLine)
            case .objectiveA: try readObjectiveA(headerLine)
            case .objectiveB: try readObjectiveB(headerLine)
            case .coordA: try readA(headerLine)
            case .coordB: try readB(headerLine)
            }
        }
        return try assemble()
    }

    // MARK: Sections

    private mutating func readVersion(_ headerLine: Int) throws {
        try dataLine("VER", headerLine: headerLine, fields: 1, layout: "version")
        let v = try integer(0, "version")
        guard (1...4).contains(v) else {
            throw fail("unsupported CBF version \(v); versions 1 to 4 are supported")
        }
        version = v
    }

    private mutating func readSense(_ headerLine: Int) throws {
        try dataLine("OBJSENSE", headerLine: headerLine, fields: 1, layout: "MIN or MAX")
        switch field(0) {
        case "MIN": maximize = false
        case "MAX": maximize = true
        default: throw fail("unknown objective sense '\(field(0))'; expected MIN or MAX")
        }
    }

    /// A `POWCONES` or `POW*CONES` section: a line `count total`, then per cone a line with its
    /// number of parameters and one line per parameter. Returns each cone's `α = a₁/(a₁ + a₂)`.
    private mutating func readPowerCones(_ keyword: String, _ headerLine: Int) throws -> [Double] {
        try dataLine(keyword, headerLine: headerLine, fields: 2, layout: "number of cones, number of parameters")
        let count = try size(0, "number of power cones", maximum: cbfMaxDimension)
        let total = try size(1, "number of parameters", maximum: cbfMaxDimension)
        guard total == 2 * count else {
            throw fail("\(keyword) declares \(total) parameters for \(count) cones; only 3-D power cones (2 parameters each) are supported")
        }
        var alphas: [Double] = []
        for k in 0..<count {
            try dataLine(keyword, headerLine: headerLine, fields: 1, layout: "number of parameters", entry: k, total: count, noun: .cone)
            guard try size(0, "number of parameters") == 2 else {
                throw fail("power cone \(k) of \(keyword) has \(field(0)) parameters; only 3-D power cones (2 parameters) are supported")
            }
            var a = [0.0, 0.0]
            for t in 0..<2 {
                try dataLine(keyword, headerLine: headerLine, fields: 1, layout: "parameter", entry: k, total: count, noun: .cone)
                a[t] = try real(0, "parameter \(t) of power cone \(k)")
                guard a[t] > 0 else { throw fail("parameter \(t) of power cone \(k) is \(a[t]); power-cone parameters must be positive") }
            }
            let alpha = a[0] / (a[0] + a[1])
            guard alpha > 0, alpha < 1 else { throw fail("power cone \(k) has exponent \(alpha); it needs 0 < α < 1") }
            alphas.append(alpha)
        }
        return alphas
    }

    private mutating func readVariables(_ headerLine: Int) throws {
        let (n, blocks) = try readConeSection("VAR", headerLine, noun: "variables")
        variableCount = n
        variableCones = blocks
        try checkMemory(headerLine)
        c = [Double](repeating: 0, count: n)
    }

    private mutating func readConstraints(_ headerLine: Int) throws {
        let (m, blocks) = try readConeSection("CON", headerLine, noun: "constraint rows")
        constraintCount = m
        constraintCones = blocks
        try checkMemory(headerLine)
        bCon = [Double](repeating: 0, count: m)
    }

    /// Refuses a file whose sections declared so far imply a problem too large for memory, before
    /// the reader allocates its dense vectors: the sizes are only numbers in a header, so a file
    /// of 51 bytes can declare 10⁸ variables. The estimate is what solving needs
    /// (``MemoryBudget/solverBytes(variables:rows:nonzeros:psdOrders:)``), with the `VAR` and
    /// `PSDVAR` rows and their entries, and the `PSDCON` blocks counted as dense.
    private func checkMemory(_ headerLine: Int) throws {
        let n = variableCount, svecX = psdVariableLength, svecC = psdConstraintLength
        let columns = MemoryBudget.bytes([(n, 1), (svecX, 1)])
        let rows = MemoryBudget.bytes([(constraintCount, 1), (svecC, 1), (n, 1), (svecX, 1)])
        let nonzeros = MemoryBudget.bytes([(n, 2), (svecX, 1), (svecC, 1)])
        let required = MemoryBudget.solverBytes(variables: columns, rows: rows, nonzeros: nonzeros,
                                                psdOrders: (psdVariableOrders ?? []) + (psdConstraintOrders ?? []))
        try DeclaredProblemTooLarge.require(required, for: "the problem declared up to line \(headerLine) "
            + "(\(n) variables, \(constraintCount) constraint rows, \(svecX) PSDVAR and \(svecC) PSDCON svec entries)")
    }

    /// A `VAR` or `CON` section: a line `count blocks`, then one `CONE dim` line per block.
    private mutating func readConeSection(_ keyword: String, _ headerLine: Int,
                                          noun: String) throws -> (Int, [CBFReader.ConeBlock]) {
        let layout = keyword == "VAR" ? "number of variables, number of cones" : "number of rows, number of cones"
        try dataLine(keyword, headerLine: headerLine, fields: 2, layout: layout)
        let total = try size(0, "number of \(noun)", maximum: cbfMaxDimension)
        let count = try size(1, "number of cones")
        let countLine = line
        lastCounted = (keyword, headerLine, Noun.cone.count(count))
        var blocks: [CBFReader.ConeBlock] = []
        blocks.reserveCapacity(plausible(count))
        var covered = 0
        for k in 0..<count {
            try dataLine(keyword, headerLine: headerLine, fields: 2, layout: "cone name, dimension",
                         entry: k, total: count, noun: .cone)
            let (cone, powerIndex) = try coneName(0)
            let minimum = cone == .rotatedQuadratic ? 2 : 1
            let dimension = try size(1, "dimension of the \(cone.rawValue) cone", minimum: minimum)
            switch cone {
            case .exponential, .dualExponential, .power, .dualPower:
                guard dimension == 3 else { throw fail("\(field(0)) cones have dimension 3, not \(dimension)") }
            default: break
            }
            if let powerIndex {
                let table = cone == .power ? powerAlphas : dualPowerAlphas
                guard powerIndex < table.count else {
                    throw fail("\(field(0)) refers to power cone \(powerIndex), but \(cone == .power ? "POWCONES" : "POW*CONES") declares \(table.count)")
                }
            }
            // Compared before adding: a dimension near Int.max must not overflow the sum.
            guard dimension <= total - covered else {
                throw fail("the cones of \(keyword) cover more than the \(total) \(noun) declared on line \(countLine)")
            }
            covered += dimension
            blocks.append(CBFReader.ConeBlock(cone, dimension, powerIndex: powerIndex))
        }
        guard covered == total else {
            throw TextParseFailure(line: countLine, message:
                "\(keyword) declares \(total) \(noun) but its \(count) cones cover \(covered)")
        }
        return (total, blocks)
    }

    /// The cone of a `CONE dim` line, with the parameter entry `k` of `@k:POW` and `@k:POW*`.
    private func coneName(_ k: Int) throws -> (CBFReader.Cone, Int?) {
        let name = field(k)
        if let cone = CBFReader.Cone(rawValue: name), cone != .power, cone != .dualPower { return (cone, nil) }
        if name.hasPrefix("@"), let colon = name.firstIndex(of: ":") {
            let kind = name[name.index(after: colon)...]
            guard kind == "POW" || kind == "POW*" else { throw fail("unknown parametric cone '\(name)'; expected @k:POW or @k:POW*") }
            guard let index = Int(name[name.index(after: name.startIndex)..<colon]), index >= 0 else {
                throw fail("'\(name)' does not name a parameter entry (expected @k:\(kind) with k ≥ 0)")
            }
            return (kind == "POW" ? .power : .dualPower, index)
        }
        if name.hasPrefix("SVEC") || name.hasPrefix("PSD") {
            throw fail("\(name) cones in VAR or CON (CBF version 4) are not supported; "
                       + "semidefinite parts must use the PSDVAR or PSDCON sections")
        }
        throw fail("unknown cone '\(name)'; expected F, L+, L-, L=, Q, QR, EXP, EXP*, @k:POW or @k:POW*")
    }

    // MARK: Semidefinite sections

    /// A `PSDVAR` or `PSDCON` section: a count line, then one line with the order of each matrix.
    /// Returns the orders, the offset of each matrix among the `svec` entries, and their total.
    private mutating func readOrders(_ keyword: String, _ headerLine: Int,
                                     noun: String) throws -> (orders: [Int], offsets: [Int], length: Int) {
        try dataLine(keyword, headerLine: headerLine, fields: 1, layout: "number of \(noun)s")
        let count = try size(0, "number of \(noun)s", maximum: cbfMaxDimension)
        let countLine = line
        lastCounted = (keyword, headerLine, Noun.matrix.count(count))
        var orders: [Int] = [], offsets: [Int] = []
        orders.reserveCapacity(plausible(count))
        offsets.reserveCapacity(plausible(count))
        var length = 0
        for k in 0..<count {
            try dataLine(keyword, headerLine: headerLine, fields: 1, layout: "order",
                         entry: k, total: count, noun: .matrix)
            let order = try size(0, "order of \(noun) \(k)", minimum: 1, maximum: cbfMaxOrder)
            offsets.append(length)
            orders.append(order)
            length += Svec.length(order: order)
            guard length <= cbfMaxDimension else {
                throw fail("the \(noun)s of \(keyword) (count on line \(countLine)) have more than "
                           + "\(cbfMaxDimension) svec entries in all; at most \(cbfMaxDimension) are supported")
            }
        }
        return (orders, offsets, length)
    }

    private mutating func readPSDVariables(_ headerLine: Int) throws {
        let (orders, offsets, length) = try readOrders("PSDVAR", headerLine, noun: "PSD variable")
        psdVariableOrders = orders
        psdVariableOffsets = offsets
        psdVariableLength = length
        try checkMemory(headerLine)
        cPSD = [Double](repeating: 0, count: length)
    }

    private mutating func readPSDConstraints(_ headerLine: Int) throws {
        let (orders, offsets, length) = try readOrders("PSDCON", headerLine, noun: "PSD constraint")
        psdConstraintOrders = orders
        psdConstraintOffsets = offsets
        psdConstraintLength = length
        try checkMemory(headerLine)
        dPSD = [Double](repeating: 0, count: length)
    }

    /// Fields `f` and `f + 1` as an entry `(k, l)` of the lower triangle (`k ≥ l`) of a symmetric
    /// matrix of order `order`; returns its index in `svec` (`Svec.index(l, k)`) and the factor of
    /// its coefficient there: 1 on the diagonal, √2 off it (see ``CBFReader``).
    private func matrixEntry(_ f: Int, order: Int, _ context: @autoclosure () -> String) throws -> (index: Int, scale: Double) {
        let k = try index(f, "matrix row index", below: order, "\(context()) has order \(order)")
        let l = try index(f + 1, "matrix column index", below: order, "\(context()) has order \(order)")
        guard k >= l else {
            throw fail("matrix entry (\(k), \(l)) is above the diagonal; CBF lists the lower triangle only "
                       + "(row index ≥ column index), give it as (\(l), \(k))")
        }
        return (Svec.index(l, k), k == l ? 1 : 2.0.squareRoot())
    }

    private mutating func readObjectiveF(_ headerLine: Int) throws {
        try requireSection("OBJFCOORD", after: .psdVariables, present: psdVariableOrders != nil)
        let count = try readCount("OBJFCOORD", headerLine)
        let orders = psdVariableOrders ?? []
        for k in 0..<count {
            try dataLine("OBJFCOORD", headerLine: headerLine, fields: 4,
                         layout: "PSD variable, matrix row, matrix column, value", entry: k, total: count)
            let j = try index(0, "PSD variable index", below: orders.count,
                              "PSDVAR declares \(orders.count) PSD variables")
            let (e, scale) = try matrixEntry(1, order: orders[j], "PSD variable \(j)")
            cPSD[psdVariableOffsets[j] + e] += scale * (try real(3, "objective coefficient"))
        }
    }

    private mutating func readF(_ headerLine: Int) throws {
        try requireSection("FCOORD", after: .psdVariables, present: psdVariableOrders != nil)
        try requireSection("FCOORD", after: .constraints, present: constraintCones != nil)
        let count = try readCount("FCOORD", headerLine)
        let orders = psdVariableOrders ?? [], m = constraintCount
        let reserve = plausible(count)
        fRows.reserveCapacity(reserve)
        fEntries.reserveCapacity(reserve)
        fValues.reserveCapacity(reserve)
        for k in 0..<count {
            try dataLine("FCOORD", headerLine: headerLine, fields: 5,
                         layout: "row, PSD variable, matrix row, matrix column, value", entry: k, total: count)
            let i = try index(0, "row index", below: m, "CON declares \(m) rows")
            let j = try index(1, "PSD variable index", below: orders.count,
                              "PSDVAR declares \(orders.count) PSD variables")
            let (e, scale) = try matrixEntry(2, order: orders[j], "PSD variable \(j)")
            let v = try real(4, "coefficient")
            fRows.append(i)
            fEntries.append(psdVariableOffsets[j] + e)
            fValues.append(scale * v)
        }
    }

    private mutating func readH(_ headerLine: Int) throws {
        try requireSection("HCOORD", after: .psdConstraints, present: psdConstraintOrders != nil)
        try requireSection("HCOORD", after: .variables, present: variableCones != nil)
        let count = try readCount("HCOORD", headerLine)
        let orders = psdConstraintOrders ?? [], n = variableCount
        let reserve = plausible(count)
        hRows.reserveCapacity(reserve)
        hColumns.reserveCapacity(reserve)
        hValues.reserveCapacity(reserve)
        for k in 0..<count {
            try dataLine("HCOORD", headerLine: headerLine, fields: 5,
                         layout: "PSD constraint, variable, matrix row, matrix column, value", entry: k, total: count)
            let i = try index(0, "PSD constraint index", below: orders.count,
                              "PSDCON declares \(orders.count) PSD constraints")
            let j = try index(1, "variable index", below: n, "VAR declares \(n) variables")
            let (e, scale) = try matrixEntry(2, order: orders[i], "PSD constraint \(i)")
            let v = try real(4, "coefficient")
            hRows.append(psdConstraintOffsets[i] + e)
            hColumns.append(j)
            hValues.append(scale * v)
        }
    }

    private mutating func readD(_ headerLine: Int) throws {
        try requireSection("DCOORD", after: .psdConstraints, present: psdConstraintOrders != nil)
        let count = try readCount("DCOORD", headerLine)
        let orders = psdConstraintOrders ?? []
        for k in 0..<count {
            try dataLine("DCOORD", headerLine: headerLine, fields: 4,
                         layout: "PSD constraint, matrix row, matrix column, value", entry: k, total: count)
            let i = try index(0, "PSD constraint index", below: orders.count,
                              "PSDCON declares \(orders.count) PSD constraints")
            let (e, scale) = try matrixEntry(1, order: orders[i], "PSD constraint \(i)")
            dPSD[psdConstraintOffsets[i] + e] += scale * (try real(3, "constant term"))
        }
    }

    // MARK: Sparse data sections

    /// The count line of a sparse data section.
    private mutating func readCount(_ keyword: String, _ headerLine: Int) throws -> Int {
        try dataLine(keyword, headerLine: headerLine, fields: 1, layout: "number of entries")
        let count = try size(0, "number of entries")
        lastCounted = (keyword, headerLine, Noun.entry.count(count))
        return count
    }

    /// Reserve for `count` announced entries, bounded by what the rest of the input can hold.
    private func plausible(_ count: Int) -> Int { min(count, text.remainingByteCount / 4 + 1) }

    private func requireSection(_ keyword: String, after required: CBFKeyword, present: Bool) throws {
        guard present else {
            throw fail("\(keyword) must come after the \(required.rawValue) section, which declares its dimensions")
        }
    }

    private mutating func readObjectiveA(_ headerLine: Int) throws {
        try requireSection("OBJACOORD", after: .variables, present: variableCones != nil)
        let count = try readCount("OBJACOORD", headerLine)
        let n = variableCount
        for k in 0..<count {
            try dataLine("OBJACOORD", headerLine: headerLine, fields: 2, layout: "variable, value",
                         entry: k, total: count)
            let j = try index(0, "variable index", below: n, "VAR declares \(n) variables")
            c[j] += try real(1, "objective coefficient")
        }
    }

    private mutating func readObjectiveB(_ headerLine: Int) throws {
        try dataLine("OBJBCOORD", headerLine: headerLine, fields: 1, layout: "value")
        constant = try real(0, "objective constant")
    }

    private mutating func readA(_ headerLine: Int) throws {
        try requireSection("ACOORD", after: .variables, present: variableCones != nil)
        try requireSection("ACOORD", after: .constraints, present: constraintCones != nil)
        let count = try readCount("ACOORD", headerLine)
        let n = variableCount, m = constraintCount
        let reserve = plausible(count)
        entryRows.reserveCapacity(reserve)
        entryColumns.reserveCapacity(reserve)
        entryValues.reserveCapacity(reserve)
        for k in 0..<count {
            try dataLine("ACOORD", headerLine: headerLine, fields: 3, layout: "row, variable, value",
                         entry: k, total: count)
            let i = try index(0, "row index", below: m, "CON declares \(m) rows")
            let j = try index(1, "variable index", below: n, "VAR declares \(n) variables")
            let v = try real(2, "coefficient")
            entryRows.append(i)
            entryColumns.append(j)
            entryValues.append(v)
        }
    }

    private mutating func readB(_ headerLine: Int) throws {
        try requireSection("BCOORD", after: .constraints, present: constraintCones != nil)
        let count = try readCount("BCOORD", headerLine)
        let m = constraintCount
        for k in 0..<count {
            try dataLine("BCOORD", headerLine: headerLine, fields: 2, layout: "row, value",
                         entry: k, total: count)
            let i = try index(0, "row index", below: m, "CON declares \(m) rows")
            bCon[i] += try real(1, "constant term")
        }
    }

    // MARK: Assembly

    /// Where one CBF row (or variable) `g` goes: `s[row1] += weight1·g` and `s[row2] += weight2·g`
    /// (`row2 < 0`: not used; `row1 < 0`: a free row, dropped).
    private struct RowImage {
        var row1 = -1
        var weight1 = 0.0
        var row2 = -1
        var weight2 = 0.0
    }

    /// Lays out the output rows of `blocks` from `firstRow` on, appends their cones to `cones`, and
    /// calls `body(k, image)` for the `k`-th CBF row (or variable) of `blocks`, in order.
    private static func layOut(_ blocks: [CBFReader.ConeBlock], powerAlphas: [Double], dualPowerAlphas: [Double],
                               firstRow: inout Int, cones: inout [ConeSpec], _ body: (Int, RowImage) -> Void) {
        let h = 0.5.squareRoot()
        func append(_ spec: ConeSpec) {
            switch (cones.last, spec) {
            case let (.zero(a)?, .zero(b)): cones[cones.count - 1] = .zero(a + b)
            case let (.nonnegative(a)?, .nonnegative(b)): cones[cones.count - 1] = .nonnegative(a + b)
            default: cones.append(spec)
            }
        }
        var k = 0
        for block in blocks {
            let d = block.dimension, r = firstRow
            switch block.cone {
            case .free:
                for t in 0..<d { body(k + t, RowImage()) }
            case .nonnegative, .zero, .quadratic, .power, .dualPower:
                for t in 0..<d { body(k + t, RowImage(row1: r + t, weight1: 1)) }
            case .exponential, .dualExponential:
                // The solver lists the exponential cone's bound last: rows reversed.
                for t in 0..<d { body(k + t, RowImage(row1: r + d - 1 - t, weight1: 1)) }
            case .nonpositive:
                for t in 0..<d { body(k + t, RowImage(row1: r + t, weight1: -1)) }
            case .rotatedQuadratic:
                // (s₁, s₂) = ((g₁ + g₂)/√2, (g₁ − g₂)/√2); the other entries are copied.
                body(k, RowImage(row1: r, weight1: h, row2: r + 1, weight2: h))
                body(k + 1, RowImage(row1: r, weight1: h, row2: r + 1, weight2: -h))
                for t in 2..<max(d, 2) { body(k + t, RowImage(row1: r + t, weight1: 1)) }
            }
            switch block.cone {
            case .free: break
            case .nonnegative, .nonpositive: append(.nonnegative(d))
            case .zero: append(.zero(d))
            case .quadratic, .rotatedQuadratic: append(.secondOrder(d))
            case .exponential: append(.exponential)
            case .dualExponential: append(.dualExponential)
            case .power: append(.power(powerAlphas[block.powerIndex ?? 0]))
            case .dualPower: append(.dualPower(dualPowerAlphas[block.powerIndex ?? 0]))
            }
            if block.cone != .free { firstRow += d }
            k += d
        }
    }

    private func assemble() throws -> CBFReader.Model {
        guard let version else { throw TextParseFailure(line: 0, message: "the file is empty; expected the VER keyword") }
        guard let variableCones else {
            throw TextParseFailure(line: 0, message: "missing VAR section (the number of variables and their cones)")
        }
        let constraintCones = constraintCones ?? []
        let psdVariableOrders = psdVariableOrders ?? []
        let psdConstraintOrders = psdConstraintOrders ?? []
        let n = variableCount
        // Columns: x, then svec(X₀), svec(X₁), …
        let columnCount = n + psdVariableLength

        var rows: [Int] = [], columns: [Int] = [], values: [Double] = []
        let capacity = entryRows.count + fRows.count + hRows.count + n + psdVariableLength
        rows.reserveCapacity(capacity)
        columns.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        func emit(_ row: Int, _ column: Int, _ value: Double) {
            rows.append(row)
            columns.append(column)
            values.append(value)
        }

        // 1. CON rows: s = W g with g = A x + Σ⟨F, X⟩ + b, i.e. −W A x − W F svec(X) + s = W b.
        var rowCount = 0
        var cones: [ConeSpec] = []
        var conImages: [RowImage] = []
        conImages.reserveCapacity(constraintCount)
        Self.layOut(constraintCones, powerAlphas: powerAlphas, dualPowerAlphas: dualPowerAlphas, firstRow: &rowCount, cones: &cones) { _, image in conImages.append(image) }
        func emitCON(_ i: Int, _ column: Int, _ v: Double) {
            let image = conImages[i]
            if image.row1 >= 0 { emit(image.row1, column, -image.weight1 * v) }
            if image.row2 >= 0 { emit(image.row2, column, -image.weight2 * v) }
        }
        for k in entryRows.indices { emitCON(entryRows[k], entryColumns[k], entryValues[k]) }
        for k in fRows.indices { emitCON(fRows[k], n + fEntries[k], fValues[k]) }
        var bRows: [(row: Int, value: Double)] = []
        for i in bCon.indices where bCon[i] != 0 {
            let image = conImages[i]
            if image.row1 >= 0 { bRows.append((image.row1, image.weight1 * bCon[i])) }
            if image.row2 >= 0 { bRows.append((image.row2, image.weight2 * bCon[i])) }
        }
        conImages = []

        // 2. PSDCON rows: s = svec(Σ xⱼ Hⱼ + D), i.e. −svec(Hⱼ) in column j, b = svec(D).
        let psdConstraintStart = rowCount
        for order in psdConstraintOrders { cones.append(.positiveSemidefinite(order)) }
        for k in hRows.indices { emit(psdConstraintStart + hRows[k], hColumns[k], -hValues[k]) }
        for e in dPSD.indices where dPSD[e] != 0 { bRows.append((psdConstraintStart + e, dPSD[e])) }
        rowCount += psdConstraintLength

        // 3. VAR rows: s = W x, i.e. −W x + s = 0.
        Self.layOut(variableCones, powerAlphas: powerAlphas, dualPowerAlphas: dualPowerAlphas, firstRow: &rowCount, cones: &cones) { j, image in
            if image.row1 >= 0 { emit(image.row1, j, -image.weight1) }
            if image.row2 >= 0 { emit(image.row2, j, -image.weight2) }
        }

        // 4. PSDVAR rows: −svec(Xⱼ) + s = 0.
        for order in psdVariableOrders { cones.append(.positiveSemidefinite(order)) }
        for e in 0..<psdVariableLength { emit(rowCount + e, n + e, -1) }
        rowCount += psdVariableLength

        var b = [Double](repeating: 0, count: rowCount)
        for (row, value) in bRows { b[row] += value }

        let A = try SparseMatrix(rowCount: rowCount, columnCount: columnCount, rows: rows, columns: columns,
                                 values: values, name: "A")
        let objective = c + cPSD
        let problem = try ConicProblem(q: maximize ? objective.map { -$0 } : objective, A: A, b: b, cones: cones,
                                       objectiveConstant: maximize ? -constant : constant)
        return CBFReader.Model(problem: problem, version: version, isMaximization: maximize,
                               variableCones: variableCones, constraintCones: constraintCones,
                               psdVariableOrders: psdVariableOrders, psdConstraintOrders: psdConstraintOrders)
    }
}
