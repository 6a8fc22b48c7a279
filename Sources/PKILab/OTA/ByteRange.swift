/// S3's reading of a single `Range: bytes=…` header (RFC 9110 §14.1.2 as S3 applies it).
///
/// - `bytes=a-b`: bytes `a…min(b, size−1)`; an end past the object is clamped (206, not 416).
/// - `bytes=a-`: bytes `a…size−1`.
/// - `bytes=-n`: the last `n` bytes; `n ≥ size` gives the whole object, still as 206 `0-(size−1)`; `n = 0` is
///   unsatisfiable.
/// - `a ≥ size` → 416 (versity/versitygw#2069; chimera-nas/chimera#704).
/// - Malformed (no `bytes=`, letters, `b < a`, empty) or several ranges (`bytes=0-1,4-5`) → ignored: 200 with the
///   whole object (versity/versitygw#1120; S3 serves no multipart/byteranges).
///
/// Size 0: no byte exists, so every well-formed range is unsatisfiable — `bytes=0-` included, as `0 ≥ 0` — and a
/// suffix `bytes=-n` too; a malformed one is still ignored (200, empty body). Whether S3 itself answers `bytes=0-`
/// on an empty object with 416 or 200 was not found; this follows the rule for `a ≥ size`.
public enum ByteRange {
    /// The answer to `rangeHeader` (nil: no header) for an object of `size` bytes.
    public static func answer(rangeHeader: String?, size: Int) -> ByteRangeAnswer {
        guard let header = rangeHeader else { return .whole }
        let text = header.trimmingSpaces()
        guard text.lowercased().hasPrefix("bytes=") else { return .whole }
        let spec = text.dropFirst("bytes=".count).trimmingSpaces()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let first = spec[..<dash].trimmingSpaces()
        let last = spec[spec.index(after: dash)...].trimmingSpaces()
        switch (number(first), number(last)) {
        case (nil, let suffix?) where first.isEmpty:
            guard suffix > 0, size > 0 else { return .unsatisfiable }
            return .partial(max(0, size - suffix)...(size - 1))
        case (let start?, nil) where last.isEmpty:
            return start >= size ? .unsatisfiable : .partial(start...(size - 1))
        case (let start?, let end?):
            guard end >= start else { return .whole }
            return start >= size ? .unsatisfiable : .partial(start...min(end, size - 1))
        default:
            return .whole
        }
    }

    /// The `Content-Range` header value for an answer: `bytes a-b/size` for ``ByteRangeAnswer/partial(_:)``,
    /// `bytes */size` for ``ByteRangeAnswer/unsatisfiable``, nil for ``ByteRangeAnswer/whole``.
    public static func contentRange(_ answer: ByteRangeAnswer, size: Int) -> String? {
        switch answer {
        case .whole: return nil
        case .partial(let range): return "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
        case .unsatisfiable: return "bytes */\(size)"
        }
    }

    /// A decimal number of ASCII digits only; values beyond `Int.max` saturate (a start that large is past any
    /// object, an end that large is clamped). Nil for empty or non-digit text.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        var value = 0
        for byte in text.utf8 {
            let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (plus, overflow2) = times.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
            if overflow1 || overflow2 { return Int.max }
            value = plus
        }
        return value
    }
}

extension StringProtocol {
    fileprivate func trimmingSpaces() -> Substring {
        let view = self[...]
        let start = view.firstIndex { $0 != " " && $0 != "\t" } ?? view.endIndex
        let end = view.lastIndex { $0 != " " && $0 != "\t" }.map { view.index(after: $0) } ?? start
        return Substring(view[start..<Swift.max(start, end)])
    }
}
