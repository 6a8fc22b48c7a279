import Foundation
import PKILab
import Testing

@Suite("The validity window: never longer than the validity asked for")
struct ValidityWindowTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let skew = LabDuration(parsing: "1h")!

    @Test("a duration counted from issuance: back-dated by the skew, and the whole span is the duration (825 days, not 825 days and an hour)")
    func relative() {
        let window = ValiditySpec(duration: LabDuration(parsing: "825d"), skew: skew).window(issuedAt: now)
        #expect(window.notBefore == now.addingTimeInterval(-3_600))
        #expect(window.notAfter.timeIntervalSince(window.notBefore) == 825 * 86_400)
    }

    @Test("a validity under twice the skew is back-dated by half of it, so it is still valid for half its life")
    func short() {
        let window = ValiditySpec(duration: LabDuration(parsing: "30m"), skew: skew).window(issuedAt: now)
        #expect(window.notBefore == now.addingTimeInterval(-900) && window.notAfter == now.addingTimeInterval(900))
    }

    @Test("explicit dates are kept as written; a start with a duration ends a duration later")
    func explicit() {
        let start = Date(timeIntervalSince1970: 1_700_000_000), end = Date(timeIntervalSince1970: 1_900_000_000)
        let dated = ValiditySpec(duration: nil, notBefore: start, notAfter: end, skew: skew).window(issuedAt: now)
        #expect(dated.notBefore == start && dated.notAfter == end)
        let counted = ValiditySpec(duration: LabDuration(parsing: "10d"), notBefore: start, skew: skew).window(issuedAt: now)
        #expect(counted.notBefore == start && counted.notAfter == start.addingTimeInterval(864_000))
        let until = ValiditySpec(duration: nil, notAfter: end, skew: skew).window(issuedAt: now)
        #expect(until.notBefore == now.addingTimeInterval(-3_600) && until.notAfter == end)
    }
}
