/// One test of a statement's `Condition` block: an operator, a condition key and the values it accepts. A statement
/// applies only when all its conditions hold; a condition holds when the key's value matches any of ``values``.
public struct IoTPolicyCondition: Sendable, Hashable {
    public var `operator`: IoTConditionOperator
    /// The condition key as written, e.g. `iot:Connection.Thing.IsAttached` (compared ignoring case).
    public var key: String
    /// The accepted values as written (booleans and numbers as their JSON text); they may hold policy variables.
    public var values: [String]
    /// 1-based line of the key in the policy file.
    public var line: Int

    public init(operator: IoTConditionOperator, key: String, values: [String], line: Int) {
        self.operator = `operator`
        self.key = key
        self.values = values
        self.line = line
    }

    /// `Operator key [values]` as a short phrase for explanations, e.g. `Bool iot:Connection.Thing.IsAttached true`.
    public var summary: String {
        "\(self.operator) \(key) " + (values.count == 1 ? values[0] : "[" + values.joined(separator: ", ") + "]")
    }
}
