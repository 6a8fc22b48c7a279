extension IoTJSONReader {
    /// Where the reader's two users differ in what they accept; everything else (RFC 8259 grammar, escapes, surrogate
    /// pairs, control characters, whitespace, nothing after the value) is the same for both.
    struct Rules: Sendable, Hashable {
        /// How deep values may nest before the text is refused, so a hostile document cannot exhaust the stack.
        enum Nesting: Sendable, Hashable {
            /// No value (container or scalar) may have `limit` or more containers around it: the root is level 1, and
            /// a value at level `limit + 1` is refused where it starts. Policy documents: "nesting deeper than 64 levels".
            case values(Int)
            /// At most `limit` containers may be open at once; a scalar inside the innermost one is fine. Device
            /// payloads: ``IoTJSONParser/maximumDepth``.
            case containers(Int)
        }

        /// Whether one leading U+FEFF (a UTF-8 byte order mark, as editors on Windows write) is skipped, and not
        /// counted in columns.
        var skipsByteOrderMark: Bool
        /// The depth limit.
        var nesting: Nesting

        /// Policy documents as files hold them: a byte order mark is skipped, any value 64 levels down is refused.
        static let policy = Rules(skipsByteOrderMark: true, nesting: .values(64))

        /// Device Shadow and Jobs payloads, as devices publish them: a byte order mark is an error, containers nest
        /// up to ``IoTJSONParser/maximumDepth``.
        static let payload = Rules(skipsByteOrderMark: false, nesting: .containers(IoTJSONParser.maximumDepth))
    }
}
