import Testing

@testable import PKILab

@Suite("ByteRange: S3's answer to a Range header")
struct ByteRangeTests {
    @Test(
        "the table for a 1000-byte object",
        arguments: [
            (nil, ByteRangeAnswer.whole),
            ("bytes=0-0", .partial(0...0)),
            ("bytes=0-65535", .partial(0...999)),
            ("bytes=100-199", .partial(100...199)),
            ("bytes=999-999", .partial(999...999)),
            ("bytes=500-", .partial(500...999)),
            ("bytes=-100", .partial(900...999)),
            ("bytes=-1000", .partial(0...999)),
            ("bytes=-5000", .partial(0...999)),
            ("bytes=1000-", .unsatisfiable),
            ("bytes=1000-2000", .unsatisfiable),
            ("bytes=99999999999999999999999-", .unsatisfiable),
            ("bytes=0-99999999999999999999999", .partial(0...999)),
            ("bytes=-0", .unsatisfiable),
            ("bytes=5-1", .whole),
            ("bytes=0-1,4-5", .whole),
            ("bytes=a-b", .whole),
            ("bytes=", .whole),
            ("bytes=-", .whole),
            ("items=0-1", .whole),
            ("0-1", .whole),
            ("bytes=+1-2", .whole),
            (" bytes = 1-2", .whole),
            ("Bytes=1-2", .partial(1...2)),
            ("bytes= 1 - 2 ", .partial(1...2)),
        ] as [(String?, ByteRangeAnswer)])
    func table(header: String?, expected: ByteRangeAnswer) {
        #expect(ByteRange.answer(rangeHeader: header, size: 1000) == expected)
    }

    @Test(
        "a 0-byte object: every well-formed range is unsatisfiable, a malformed one is ignored",
        arguments: [
            (nil, ByteRangeAnswer.whole), ("bytes=0-", .unsatisfiable), ("bytes=0-0", .unsatisfiable),
            ("bytes=-1", .unsatisfiable), ("bytes=x", .whole),
        ] as [(String?, ByteRangeAnswer)])
    func empty(header: String?, expected: ByteRangeAnswer) {
        #expect(ByteRange.answer(rangeHeader: header, size: 0) == expected)
    }

    @Test("a 1-byte object: bytes=0- and bytes=-1 give byte 0, bytes=1- is unsatisfiable")
    func single() {
        #expect(ByteRange.answer(rangeHeader: "bytes=0-", size: 1) == .partial(0...0))
        #expect(ByteRange.answer(rangeHeader: "bytes=-1", size: 1) == .partial(0...0))
        #expect(ByteRange.answer(rangeHeader: "bytes=1-", size: 1) == .unsatisfiable)
    }

    @Test("Content-Range texts for 206 and 416, none for 200")
    func contentRange() {
        #expect(ByteRange.contentRange(.partial(0...65535), size: 1_048_576) == "bytes 0-65535/1048576")
        #expect(ByteRange.contentRange(.unsatisfiable, size: 1000) == "bytes */1000")
        #expect(ByteRange.contentRange(.whole, size: 1000) == nil)
    }

    @Test("esp_https_ota's partial download of 150000 bytes in 64 KiB chunks ends with bytes=N-")
    func espChunks() {
        let size = 150_000
        #expect(ByteRange.answer(rangeHeader: "bytes=0-65535", size: size) == .partial(0...65535))
        #expect(ByteRange.answer(rangeHeader: "bytes=65536-131071", size: size) == .partial(65536...131071))
        #expect(ByteRange.answer(rangeHeader: "bytes=131072-", size: size) == .partial(131072...149999))
    }
}
