import Foundation

/// The plain-text form of a command's `--json` object: labelled lines in an order that reads
/// well, values formatted for people (numbers to ten significant digits, `null` as "none",
/// lists joined), and every key not given a line printed after them, so that the text never
/// shows less than the JSON and the two cannot disagree.
struct TextReport {
    /// One line: a label and the key whose value it shows (lines whose key is absent are skipped).
    struct Line {
        var label: String
        var key: String
        /// Words after the value (units, what the value means).
        var note: String = ""
        /// A duration: printed in seconds to the millisecond.
        var seconds = false
    }

    var title: String
    var lines: [Line]
    /// Keys printed in neither the title nor a line, nor after them (the title already says them).
    var omitted: Set<String> = []

    /// The report of `object`, one line per entry.
    func render(_ object: [String: Any]) -> String {
        var out = [title]
        let width = (lines.map(\.label.count) + [0]).max()! + 2
        var shown = omitted
        for line in lines {
            guard let value = object[line.key] else { continue }
            shown.insert(line.key)
            let label = (line.label + ":").padding(toLength: width, withPad: " ", startingAt: 0)
            let text = line.seconds ? (value as? Double).map { String(format: "%.3f s", $0) } ?? Self.format(value) : Self.format(value)
            out.append(label + text + (line.note.isEmpty ? "" : "  " + line.note))
        }
        let rest = object.keys.filter { !shown.contains($0) }.sorted()
        if !rest.isEmpty {
            let restWidth = rest.map(\.count).max()! + 2
            for key in rest {
                out.append((key + ":").padding(toLength: restWidth, withPad: " ", startingAt: 0) + Self.format(object[key]!))
            }
        }
        return out.joined(separator: "\n")
    }

    /// A value of a report object for reading.
    static func format(_ value: Any) -> String {
        switch value {
        case is NSNull: return "none"
        case let flag as Bool: return flag ? "yes" : "no"
        case let integer as Int: return String(integer)
        case let integer as UInt64: return String(integer)
        case let number as Double: return number.isFinite ? String(format: "%.10g", number) : "none"
        case let text as String: return text
        case let list as [[String: Any]]:
            return list.map { format($0) }.joined(separator: "; ")
        case let list as [Any]: return list.map { format($0) }.joined(separator: ", ")
        case let object as [String: Any]:
            // An entry of a run list names its run first ("seed 2: objective …").
            let leading = ["seed", "round", "epoch"].first { object[$0] != nil }
            let rest = object.keys.filter { $0 != leading }.sorted()
                .map { "\($0.replacingOccurrences(of: "_", with: " ")) \(format(object[$0]!))" }.joined(separator: ", ")
            return leading.map { "\($0) \(format(object[$0]!)): " + rest } ?? rest
        default: return "\(value)"
        }
    }
}
