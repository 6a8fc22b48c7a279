/// Which statement of which policy decided a request, for messages: "statement 2 (Sid "NoFirmware", Deny) of policy
/// DevicePolicy (policies/device.json:14)".
public struct IoTStatementReference: Sendable, Hashable, CustomStringConvertible {
    public var policy: String
    public var file: String
    /// 1-based position of the statement in the policy's `Statement` array.
    public var index: Int
    public var sid: String?
    public var effect: IoTPolicyEffect
    /// 1-based line where the statement starts in ``file``.
    public var line: Int

    public init(policy: String, file: String, index: Int, sid: String?, effect: IoTPolicyEffect, line: Int) {
        self.policy = policy
        self.file = file
        self.index = index
        self.sid = sid
        self.effect = effect
        self.line = line
    }

    public var description: String {
        let label = sid.map { "Sid \"\($0)\", \(effect.rawValue)" } ?? effect.rawValue
        return "statement \(index) (\(label)) of policy \(policy) (\(file):\(line))"
    }
}
