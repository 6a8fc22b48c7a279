import PKILab
import Testing

@Suite("Durations in lab.yaml")
struct LabDurationTests {
    @Test("units and sums", arguments: [("90d", 7_776_000), ("2y", 63_072_000), ("12h", 43_200), ("30m", 1_800), ("45s", 45), ("6w", 3_628_800), ("1y30d", 34_128_000), ("1D", 86_400)] as [(String, Int64)])
    func parses(text: String, seconds: Int64) {
        #expect(LabDuration(parsing: text)?.seconds == seconds)
    }

    @Test("anything else is refused", arguments: ["", "12", "0d", "12x", "d", "1.5d", "-1d", "1 d 2", "99999999d"])
    func refuses(text: String) {
        #expect(LabDuration(parsing: text) == nil)
    }
}
