import Foundation

/// The password of a kit's `NAME.p12`: twelve characters a person can read aloud and type without mistaking
/// one for another (lower-case letters and digits without `0 o 1 l i`), in three groups of four joined by `-`
/// (`k7qm-3vxa-hp9d`): about 59 bits from the system's cryptographic generator, safe to paste into any shell.
public enum WorkshopPassword {
    /// The 31 characters a password is made of.
    static let alphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// A new random password.
    public static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return make(using: &generator)
    }

    /// A password from `generator` (the tests give a seeded one).
    static func make(using generator: inout some RandomNumberGenerator) -> String {
        (0..<3).map { _ in String((0..<4).map { _ in alphabet.randomElement(using: &generator)! }) }.joined(separator: "-")
    }

    /// The password a kit's `password.txt` holds: its first line without surrounding spaces, or nil when that is
    /// empty or holds a control character (a teacher may write their own password there; pkilab then keeps it).
    static func read(_ text: String) -> String? {
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return nil }
        return trimmed
    }
}
