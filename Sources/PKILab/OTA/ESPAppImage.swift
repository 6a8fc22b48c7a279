import Crypto

/// A rehearsal ESP32 application image: the first 288 bytes are what `esp_https_ota` and `esp_ota_ops` read before
/// writing (image header, one segment header, `esp_app_desc_t`), the rest is deterministic noise. **It is not a
/// program**: a device that flashes it fails the image check at `esp_https_ota_finish`
/// (`Image hash failed - image is corrupt`) or does not boot it. It exists so that downloads, ranges, version checks
/// and progress can be rehearsed with realistic first bytes and sizes.
///
/// Layout (ESP-IDF v5.5 `esp_app_format.h`, `esp_app_desc.h`; all integers little-endian):
///
/// | offset | field | value here |
/// |---|---|---|
/// | 0 | `magic` | `0xE9` |
/// | 1 | `segment_count` | 1 |
/// | 2, 3 | `spi_mode`, `spi_speed`/`spi_size` | DIO, 40 MHz / 2 MB |
/// | 4 | `entry_addr` | `0x40081214` |
/// | 8, 9 | `wp_pin`, `spi_pin_drv[3]` | `0xEE` (disabled), 0 |
/// | 12 | `chip_id` (u16) | 0 = ESP32 |
/// | 14, 15, 17 | `min_chip_rev`, `min_chip_rev_full`, `max_chip_rev_full` | 0, 0, 399 (v3.99) |
/// | 23 | `hash_appended` | 1 |
/// | 24, 28 | segment `load_addr`, `data_len` | `0x3F400020` (DROM), 256 |
/// | 32 | `esp_app_desc_t.magic_word` | `0xABCD5432` |
/// | 48 | `version[32]` | the version, NUL-terminated, at most 31 bytes |
/// | 80 | `project_name[32]` | the project name, likewise |
/// | 112, 128 | `time[16]`, `date[16]` | `12:00:00`, `Jan  1 2026` (`__TIME__`, `__DATE__` forms) |
/// | 144 | `idf_ver[32]` | `v5.5.1` |
/// | 176 | `app_elf_sha256[32]` | SHA-256 of version, project name and seed |
/// | 208, 210, 212 | `min_`/`max_efuse_blk_rev_full`, `mmu_page_size` | 0, 99, 16 (64 KiB) |
/// | 288… | padding | SplitMix64 stream from the seed |
public enum ESPAppImage {
    /// Offset of `esp_app_desc_t` in the image.
    public static let descriptorOffset = 32
    /// Image header (24) + segment header (8) + `esp_app_desc_t` (256).
    public static let headerSize = 288
    /// `ESP_APP_DESC_MAGIC_WORD`.
    public static let descriptorMagic: UInt32 = 0xABCD_5432

    /// An image of exactly `size` bytes. The same arguments give the same bytes; the padding is never all zeros.
    /// A `size` below 288 gives the first `size` bytes of the header (a truncated download to rehearse
    /// `Complete headers were not received`).
    ///
    /// - Parameters:
    ///   - version: `esp_app_desc_t.version`, e.g. `1.2.0`; cut to 31 UTF-8 bytes.
    ///   - projectName: `esp_app_desc_t.project_name`; cut to 31 UTF-8 bytes.
    ///   - size: the total length.
    ///   - seed: the padding's seed.
    public static func make(version: String, projectName: String = "pkilab-sample", size: Int, seed: UInt64) -> [UInt8] {
        var image = [UInt8](repeating: 0, count: max(size, headerSize))
        func put32(_ value: UInt32, at offset: Int) {
            for index in 0..<4 { image[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) }
        }
        func put16(_ value: UInt16, at offset: Int) {
            image[offset] = UInt8(truncatingIfNeeded: value)
            image[offset + 1] = UInt8(truncatingIfNeeded: value >> 8)
        }
        func putText(_ text: String, at offset: Int, field: Int) {
            for (index, byte) in text.utf8.prefix(field - 1).enumerated() { image[offset + index] = byte }
        }
        image[0] = 0xE9
        image[1] = 1
        image[2] = 2  // ESP_IMAGE_SPI_MODE_DIO
        image[3] = 0x10  // spi_size 2 MB (high nibble) | spi_speed 40 MHz (low nibble)
        put32(0x4008_1214, at: 4)
        image[8] = 0xEE
        put16(0, at: 12)  // ESP_CHIP_ID_ESP32
        put16(399, at: 17)
        image[23] = 1
        put32(0x3F40_0020, at: 24)
        put32(256, at: 28)

        put32(descriptorMagic, at: 32)
        putText(version, at: 48, field: 32)
        putText(projectName, at: 80, field: 32)
        putText("12:00:00", at: 112, field: 16)
        putText("Jan  1 2026", at: 128, field: 16)
        putText("v5.5.1", at: 144, field: 32)
        var seedBytes: [UInt8] = []
        for index in 0..<8 { seedBytes.append(UInt8(truncatingIfNeeded: seed >> (8 * index))) }
        let elfHash = SHA256.hash(data: Array(version.utf8) + [0] + Array(projectName.utf8) + [0] + seedBytes)
        for (index, byte) in elfHash.enumerated() { image[176 + index] = byte }
        put16(0, at: 208)
        put16(99, at: 210)
        image[212] = 16

        var state = seed
        var offset = headerSize
        while offset < image.count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var mixed = state
            mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
            mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
            mixed ^= mixed >> 31
            for index in 0..<8 where offset + index < image.count {
                image[offset + index] = UInt8(truncatingIfNeeded: mixed >> (8 * index))
            }
            offset += 8
        }
        return size < headerSize ? Array(image.prefix(max(0, size))) : image
    }

    /// The version and project name an image's `esp_app_desc_t` carries, read as `esp_https_ota_get_img_desc` does;
    /// nil when the bytes are too short (fewer than 112), byte 0 is not `0xE9`, or the descriptor's magic word is
    /// not `0xABCD5432`. Text stops at the first NUL and is decoded as UTF-8 with replacement.
    public static func readDescriptor(_ bytes: some Collection<UInt8>) -> (version: String, projectName: String)? {
        let head = Array(bytes.prefix(112))
        guard head.count == 112, head[0] == 0xE9 else { return nil }
        let magic = (0..<4).reduce(UInt32(0)) { $0 | UInt32(head[descriptorOffset + $1]) << (8 * $1) }
        guard magic == descriptorMagic else { return nil }
        func text(_ range: Range<Int>) -> String {
            String(decoding: head[range].prefix { $0 != 0 }, as: UTF8.self)
        }
        return (text(48..<80), text(80..<112))
    }
}
