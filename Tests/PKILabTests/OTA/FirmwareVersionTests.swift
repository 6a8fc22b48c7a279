import Testing

@testable import PKILab

@Suite("FirmwareVersion: parsing, ordering and file names")
struct FirmwareVersionTests {
    func v(_ text: String) -> FirmwareVersion { FirmwareVersion(text)! }

    @Test("parses 1.2.0, v1.2, 1.2.0-rc1, V3 and 1.0.0+build.5; refuses the rest")
    func parsing() {
        #expect(v("1.2.0").components == [1, 2, 0])
        #expect(v("v1.2").components == [1, 2])
        #expect(v("1.2.0-rc1").preRelease == "rc1")
        #expect(v("V3").description == "3")
        #expect(v("1.0.0+build.5") == v("1.0.0"))
        for bad in ["", "v", "1..2", "1.x", "1.2.", "-rc1", "1.2-", "1.2-rc 1", "one", "1.2.3.99999999999999999999"] {
            #expect(FirmwareVersion(bad) == nil, "\(bad)")
        }
    }

    @Test("numeric order, missing components are 0, pre-releases sort before their release")
    func ordering() {
        let sorted = ["0.9", "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc1", "1.0.0", "1.0.1", "1.2", "1.10.0", "2.0"]
            .map(v)
        for index in sorted.indices.dropLast() {
            #expect(sorted[index] < sorted[index + 1], "\(sorted[index]) < \(sorted[index + 1])")
            #expect(!(sorted[index + 1] < sorted[index]))
        }
        #expect(v("1.2") == v("1.2.0"))
        #expect(v("v1.2.0") == v("1.2"))
        #expect(Set([v("1.2"), v("1.2.0"), v("v1.2.0.0")]).count == 1)
        #expect(v("1.2.0-rc1") != v("1.2.0"))
        #expect(v("1.10") > v("1.9"))
    }

    @Test(
        "file names give product and version",
        arguments: [
            ("app-v1.2.0.bin", "app", "1.2.0"), ("app_1.2.0.bin", "app", "1.2.0"), ("sensor-fw-v2.0.bin", "sensor-fw", "2.0"),
            ("app-v1.3.0-rc1.bin", "app", "1.3.0-rc1"), ("gateway_v10.bin", "gateway", "10"), ("app-1.2.0", "app", "1.2.0"),
        ])
    func fileNames(name: String, product: String, version: String) throws {
        let parsed = try #require(FirmwareVersion.fromFileName(name))
        #expect(parsed.product == product)
        #expect(parsed.version.description == version)
    }

    @Test("names without a version are refused", arguments: ["app.bin", "v1.2.0.bin", "-1.2.bin", "app-latest.bin", "firmware"])
    func noVersion(name: String) {
        #expect(FirmwareVersion.fromFileName(name) == nil)
    }
}
