import Foundation
import Testing
@testable import ConicNN

/// A certificate encoded by a library user reads like the CLI's `--json` (snake_case keys), keeps
/// the camelCase keys earlier versions wrote, and decodes from either.
@Suite struct CertificateJSONTests {
    let certificate = TrainingCertificate(objective: 2.5, lowerBound: 2.0, constraintBound: 1.25, boundMethod: .branchAndBound,
                                          dualScale: 0.8, boundProven: true, constraintBestValue: 1.2, boundNodes: 17,
                                          boundSeconds: 0.5)

    func object(_ value: some Encodable) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(value)) as? [String: Any])
    }

    @Test("Both spellings are written, with the computed gap, and the value round-trips")
    func bothSpellings() throws {
        let object = try object(certificate)
        #expect(object["lower_bound"] as? Double == 2.0 && object["lowerBound"] as? Double == 2.0)
        #expect(object["constraint_bound"] as? Double == 1.25 && object["bound_method"] as? String == "branchAndBound")
        #expect(object["bound_proven"] as? Bool == true && object["bound_nodes"] as? Int == 17)
        #expect(object["gap"] as? Double == 0.5 && object["relative_gap"] as? Double == 0.2)
        let decoded = try JSONDecoder().decode(TrainingCertificate.self, from: JSONEncoder().encode(certificate))
        #expect(decoded == certificate)
    }

    @Test("Non-finite numbers are null and read back as NaN; absent optionals stay absent")
    func nonFinite() throws {
        var open = certificate
        open.lowerBound = -.infinity
        open.boundProven = nil
        open.constraintBestValue = nil
        let object = try object(open)
        #expect(object["lower_bound"] is NSNull && object["gap"] is NSNull)
        #expect(object["bound_proven"] == nil && object["constraint_best_value"] == nil)
        let decoded = try JSONDecoder().decode(TrainingCertificate.self, from: JSONEncoder().encode(open))
        #expect(decoded.lowerBound.isNaN && decoded.boundProven == nil && decoded.objective == 2.5)
    }

    @Test("JSON with only the old camelCase keys decodes; a certificate without a bound does not")
    func oldSpelling() throws {
        let old = #"{"objective": 3, "lowerBound": 1, "constraintBound": 2, "boundMethod": "norm", "dualScale": 1}"#
        let decoded = try JSONDecoder().decode(TrainingCertificate.self, from: Data(old.utf8))
        #expect(decoded.lowerBound == 1 && decoded.boundMethod == .norm && decoded.gap == 2)
        let missing = #"{"objective": 3, "constraint_bound": 2, "bound_method": "norm", "dual_scale": 1}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TrainingCertificate.self, from: Data(missing.utf8)) }
    }
}
