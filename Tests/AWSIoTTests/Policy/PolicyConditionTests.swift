import AWSIoT
import Testing

@Suite("Condition operators with IAM's rules for absent keys, sets and IfExists")
struct PolicyConditionTests {
    typealias F = PolicyFixtures

    /// Whether iot:Connect is allowed under one statement with `condition` (a JSON object's body).
    func allows(_ condition: String, _ context: IoTRequestContext = F.attached("device-001")) throws -> Bool {
        let evaluator = try F.evaluator(#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*", "Condition": {"# + condition + "}}}")
        return evaluator.evaluate(.connect, target: context.clientID, context: context).allowed
    }

    @Test("string operators")
    func strings() throws {
        #expect(try allows(#""StringEquals": {"iot:ClientId": "device-001"}"#))
        #expect(try !allows(#""StringEquals": {"iot:ClientId": "DEVICE-001"}"#))
        #expect(try allows(#""StringEqualsIgnoreCase": {"iot:ClientId": "DEVICE-001"}"#))
        #expect(try allows(#""StringNotEquals": {"iot:ClientId": ["a", "b"]}"#))
        #expect(try !allows(#""StringNotEquals": {"iot:ClientId": ["a", "device-001"]}"#))
        #expect(try !allows(#""StringNotEqualsIgnoreCase": {"iot:ClientId": "Device-001"}"#))
        #expect(try allows(#""StringLike": {"iot:ClientId": "device-*"}"#))
        #expect(try allows(#""StringLike": {"iot:ClientId": "device-00?"}"#))
        #expect(try !allows(#""StringLike": {"iot:ClientId": "sensor-*"}"#))
        #expect(try allows(#""StringNotLike": {"iot:ClientId": "sensor-*"}"#))
        #expect(try !allows(#""StringNotLike": {"iot:ClientId": "device-*"}"#))
    }

    @Test("values within a key are OR-ed, keys and operators are AND-ed")
    func combination() throws {
        #expect(try allows(#""StringEquals": {"iot:ClientId": ["x", "device-001"], "iot:Connection.Thing.ThingName": "device-001"}"#))
        #expect(try !allows(#""StringEquals": {"iot:ClientId": "device-001", "iot:Connection.Thing.ThingName": "other"}"#))
        #expect(try !allows(#""StringEquals": {"iot:ClientId": "device-001"}, "Bool": {"iot:Connection.Thing.IsAttached": false}"#))
    }

    @Test("policy variables in condition values")
    func variables() throws {
        #expect(try allows(#""StringEquals": {"iot:ClientId": "${iot:Certificate.Subject.CommonName}"}"#))
        #expect(try allows(#""StringLike": {"iot:ClientId": "${iot:Connection.Thing.ThingTypeName}-*"}"#, F.attached("sensor-1", type: "sensor")))
        #expect(try !allows(#""StringEquals": {"iot:ClientId": "${iot:Certificate.Subject.CommonName}"}"#, IoTRequestContext(clientID: "device-001")))
    }

    @Test("absent keys: false, except for negated operators, IfExists, ForAllValues and Null true")
    func absentKeys() throws {
        let bare = IoTRequestContext(clientID: "device-001")
        #expect(try !allows(#""StringEquals": {"iot:Connection.Thing.ThingName": "device-001"}"#, bare))
        #expect(try allows(#""StringNotEquals": {"iot:Connection.Thing.ThingName": "device-001"}"#, bare))
        #expect(try allows(#""StringEqualsIfExists": {"iot:Connection.Thing.ThingName": "device-001"}"#, bare))
        #expect(try !allows(#""StringEqualsIfExists": {"iot:Connection.Thing.ThingName": "other"}"#))
        #expect(try allows(#""Null": {"iot:Connection.Thing.ThingName": "true"}"#, bare))
        #expect(try !allows(#""Null": {"iot:Connection.Thing.ThingName": true}"#))
        #expect(try allows(#""Null": {"iot:Connection.Thing.ThingName": false}"#))
        #expect(try !allows(#""StringEquals": {"iot:NoSuchKey": "x"}"#), "an unknown key is absent")
        #expect(try allows(#""ForAllValues:StringEquals": {"iot:ConnectAttributes": "PersistentConnect"}"#, bare))
        #expect(try !allows(#""ForAnyValue:StringEquals": {"iot:ConnectAttributes": "PersistentConnect"}"#, bare))
    }

    @Test("multi-valued keys: ForAllValues, ForAnyValue, certificate .List and AvailableKeys")
    func sets() throws {
        var context = F.attached("device-001")
        context.connectAttributes = ["PersistentConnect", "LastWill"]
        #expect(try allows(#""ForAllValues:StringEquals": {"iot:ConnectAttributes": ["PersistentConnect", "LastWill"]}"#, context))
        #expect(try !allows(#""ForAllValues:StringEquals": {"iot:ConnectAttributes": ["PersistentConnect"]}"#, context))
        #expect(try allows(#""ForAnyValue:StringEquals": {"iot:ConnectAttributes": ["LastWill"]}"#, context))
        #expect(try !allows(#""ForAnyValue:StringEquals": {"iot:ConnectAttributes": ["Other"]}"#, context))
        #expect(try allows(#""ForAnyValue:StringNotEquals": {"iot:ConnectAttributes": ["LastWill"]}"#, context))
        #expect(try allows(#""ForAnyValue:StringEquals": {"iot:Certificate.Subject.OrganizationalUnit.List": "line-2"}"#))
        #expect(try !allows(#""ForAllValues:StringEquals": {"iot:Certificate.Subject.OrganizationalUnit.List": "line-2"}"#))
        #expect(try allows(#""ForAllValues:StringLike": {"iot:Certificate.Subject.OrganizationalUnit.List": ["sensors", "line-*"]}"#))
        #expect(try allows(#""ForAnyValue:StringEquals": {"iot:Certificate.AvailableKeys": "iot:Certificate.Subject.Organization"}"#))
        #expect(try !allows(#""ForAnyValue:StringEquals": {"iot:Certificate.AvailableKeys": "iot:Certificate.Subject.Country"}"#))
        #expect(try allows(#""StringEquals": {"iot:Certificate.Subject.Organization": "pkilab"}"#))
    }

    @Test("Bool and Numeric")
    func boolAndNumbers() throws {
        #expect(try allows(#""Bool": {"iot:Connection.Thing.IsAttached": "TRUE"}"#))
        #expect(try !allows(#""Bool": {"iot:Connection.Thing.IsAttached": false}"#))
        let context = F.attached("device-001", attributes: ["floor": "3"])
        #expect(try allows(#""NumericEquals": {"iot:Connection.Thing.Attributes[floor]": 3}"#, context))
        #expect(try allows(#""NumericNotEquals": {"iot:Connection.Thing.Attributes[floor]": 4}"#, context))
        #expect(try allows(#""NumericLessThan": {"iot:Connection.Thing.Attributes[floor]": "3.5"}"#, context))
        #expect(try !allows(#""NumericLessThan": {"iot:Connection.Thing.Attributes[floor]": 3}"#, context))
        #expect(try allows(#""NumericLessThanEquals": {"iot:Connection.Thing.Attributes[floor]": 3}"#, context))
        #expect(try allows(#""NumericGreaterThan": {"iot:Connection.Thing.Attributes[floor]": 2}"#, context))
        #expect(try !allows(#""NumericGreaterThanEquals": {"iot:Connection.Thing.Attributes[floor]": 4}"#, context))
        #expect(try !allows(#""NumericEquals": {"iot:ClientId": 3}"#, context), "not a number: no match")
    }

    @Test("IpAddress and NotIpAddress on aws:SourceIp, IPv4 and IPv6")
    func addresses() throws {
        #expect(try allows(#""IpAddress": {"aws:SourceIp": "192.0.2.0/24"}"#))
        #expect(try allows(#""IpAddress": {"aws:SourceIp": ["10.0.0.0/8", "192.0.2.10"]}"#))
        #expect(try !allows(#""IpAddress": {"aws:SourceIp": "198.51.100.0/24"}"#))
        #expect(try allows(#""NotIpAddress": {"aws:SourceIp": "198.51.100.0/24"}"#))
        #expect(try allows(#""IpAddress": {"aws:SourceIp": "0.0.0.0/0"}"#))
        var v6 = F.attached("device-001")
        v6.sourceIP = "2001:db8::17"
        #expect(try allows(#""IpAddress": {"aws:SourceIp": "2001:db8::/32"}"#, v6))
        #expect(try !allows(#""IpAddress": {"aws:SourceIp": "2001:db9::/32"}"#, v6))
        #expect(try !allows(#""IpAddress": {"aws:SourceIp": "192.0.2.0/24"}"#, v6))
        v6.sourceIP = "::ffff:192.0.2.10"
        #expect(try allows(#""IpAddress": {"aws:SourceIp": "192.0.2.0/24"}"#, v6), "IPv4-mapped")
    }

    @Test("Arn operators compare the six parts separately")
    func arns() throws {
        let context = F.attached("device-001", attributes: ["peer": "arn:aws:iot:us-east-1:123456789012:thing/gateway-1"])
        #expect(try allows(#""ArnLike": {"iot:Connection.Thing.Attributes[peer]": "arn:aws:iot:*:123456789012:thing/gateway-*"}"#, context))
        #expect(try allows(#""ArnEquals": {"iot:Connection.Thing.Attributes[peer]": "arn:aws:iot:us-east-1:123456789012:thing/gateway-1"}"#, context))
        #expect(try !allows(#""ArnLike": {"iot:Connection.Thing.Attributes[peer]": "arn:aws:iot:*:999999999999:thing/*"}"#, context))
        #expect(try !allows(#""ArnLike": {"iot:Connection.Thing.Attributes[peer]": "arn:*:thing/gateway-1"}"#, context), "* does not cross :")
        #expect(try allows(#""ArnNotLike": {"iot:Connection.Thing.Attributes[peer]": "arn:aws:iot:*:*:thing/sensor-*"}"#, context))
        #expect(try !allows(#""ArnNotEquals": {"iot:Connection.Thing.Attributes[peer]": "arn:aws:iot:us-east-1:123456789012:thing/gateway-1"}"#, context))
    }

    @Test("Deny with a condition: denies only when the condition holds")
    func conditionalDeny() throws {
        let evaluator = try F.evaluator(#"""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"},
          {"Sid": "OnlyFromLab", "Effect": "Deny", "Action": "iot:Connect", "Resource": "*",
           "Condition": {"NotIpAddress": {"aws:SourceIp": "192.0.2.0/24"}}}]}
        """#)
        #expect(evaluator.evaluate(.connect, target: "d", context: F.attached("d")).allowed)
        var outside = F.attached("d")
        outside.sourceIP = "203.0.113.5"
        let denied = evaluator.evaluate(.connect, target: "d", context: outside)
        #expect(!denied.allowed)
        #expect(denied.statement?.sid == "OnlyFromLab")
    }
}
