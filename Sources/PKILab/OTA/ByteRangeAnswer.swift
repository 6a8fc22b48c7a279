/// How a store answers a `Range` header on an object of known size (see ``ByteRange/answer(rangeHeader:size:)``).
public enum ByteRangeAnswer: Sendable, Hashable {
    /// 200 with the whole object: no `Range`, or one S3 ignores (malformed, several ranges, another unit).
    case whole
    /// 206 with the bytes `start...end` (inclusive) and `Content-Range: bytes start-end/size`.
    case partial(ClosedRange<Int>)
    /// 416 `InvalidRange` with `Content-Range: bytes */size`.
    case unsatisfiable
}
