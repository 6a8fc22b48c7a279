import NIOCore

extension ByteBuffer {
    /// Bytes written as spaced hex, the way the spec's figures and Wireshark show them: "10 16 00 04".
    init(hex: String) {
        self.init()
        for pair in hex.split(separator: " ") {
            self.writeInteger(UInt8(pair, radix: 16)!)
        }
    }

    /// The readable bytes as spaced upper-case hex, for readable failures.
    var hexDump: String {
        self.readableBytesView.map { byte in
            let digits = String(byte, radix: 16, uppercase: true)
            return digits.count == 1 ? "0" + digits : digits
        }.joined(separator: " ")
    }
}
