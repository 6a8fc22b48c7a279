import Testing

@testable import PKILab

@Suite("ESPAppImage: a rehearsal image with the header esp_https_ota reads")
struct ESPAppImageTests {
    @Test("the header bytes sit at ESP-IDF's offsets")
    func headerBytes() {
        let image = ESPAppImage.make(version: "1.2.0", size: 4096, seed: 7)
        #expect(image.count == 4096)
        #expect(image[0] == 0xE9)
        #expect(image[1] == 1)
        #expect(image[12] == 0 && image[13] == 0, "chip_id ESP32")
        #expect(Array(image[32..<36]) == [0x32, 0x54, 0xCD, 0xAB], "ESP_APP_DESC_MAGIC_WORD little-endian")
        #expect(Array(image[48..<54]) == Array("1.2.0".utf8) + [0])
        #expect(Array(image[80..<94]) == Array("pkilab-sample".utf8) + [0])
        #expect(Array(image[112..<120]) == Array("12:00:00".utf8))
        #expect(Array(image[144..<150]) == Array("v5.5.1".utf8))
        #expect(Array(image[24..<28]) == [0x20, 0x00, 0x40, 0x3F], "DROM load address")
    }

    @Test("version and project name read back; the bytes are the same for the same seed and differ for another")
    func roundTrip() throws {
        let image = ESPAppImage.make(version: "2.0.1-rc3", projectName: "sensor-fw", size: 70_000, seed: 42)
        let descriptor = try #require(ESPAppImage.readDescriptor(image))
        #expect(descriptor.version == "2.0.1-rc3")
        #expect(descriptor.projectName == "sensor-fw")
        #expect(image == ESPAppImage.make(version: "2.0.1-rc3", projectName: "sensor-fw", size: 70_000, seed: 42))
        #expect(image != ESPAppImage.make(version: "2.0.1-rc3", projectName: "sensor-fw", size: 70_000, seed: 43))
        let padding = image[ESPAppImage.headerSize...]
        #expect(padding.filter { $0 == 0 }.count < padding.count / 100, "padding is noise, not zeros")
        #expect(Set(padding).count == 256)
    }

    @Test("a 40-byte version is cut to 31 bytes and stays NUL-terminated")
    func longVersion() throws {
        let version = String(repeating: "9", count: 40)
        let image = ESPAppImage.make(version: version, size: 512, seed: 1)
        #expect(image[48 + 31] == 0)
        #expect(try #require(ESPAppImage.readDescriptor(image)).version == String(repeating: "9", count: 31))
    }

    @Test("wrong magic bytes, an HTML page and short data have no descriptor; a short size gives a truncated header")
    func refusals() {
        var image = ESPAppImage.make(version: "1.0.0", size: 1024, seed: 3)
        image[0] = 0x3C
        #expect(ESPAppImage.readDescriptor(image) == nil)
        image[0] = 0xE9
        image[32] = 0
        #expect(ESPAppImage.readDescriptor(image) == nil)
        #expect(ESPAppImage.readDescriptor(Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>".utf8) + [UInt8](repeating: 0, count: 200)) == nil)
        let short = ESPAppImage.make(version: "1.0.0", size: 100, seed: 3)
        #expect(short.count == 100 && short[0] == 0xE9)
        #expect(ESPAppImage.readDescriptor(short) == nil)
        #expect(ESPAppImage.readDescriptor(ESPAppImage.make(version: "1.0.0", size: 288, seed: 3)[...])?.version == "1.0.0")
    }
}
