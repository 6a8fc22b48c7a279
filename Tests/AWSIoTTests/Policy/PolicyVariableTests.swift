import AWSIoT
import Testing

@Suite("Policy variables: substituted from the request, or left unreplaced as AWS leaves them")
struct PolicyVariableTests {
    typealias F = PolicyFixtures

    /// An evaluator whose one statement allows iot:Publish on `topic/v/<variable text>`.
    func evaluator(_ variableText: String) throws -> IoTPolicyEvaluator {
        try F.evaluator(#"{"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "iot:Publish", "Resource": "arn:aws:iot:us-east-1:123456789012:topic/v/"# + variableText + #""}}"#)
    }

    static let device = PolicyFixtures.attached("device-001", type: "sensor", attributes: ["site": "plant-7"])

    @Test("each variable family allows its own value and denies another", arguments: [
        ("${iot:ClientId}", "device-001"),
        ("${iot:Connection.Thing.ThingName}", "device-001"),
        ("${iot:Connection.Thing.ThingTypeName}", "sensor"),
        ("${iot:Connection.Thing.Attributes[site]}", "plant-7"),
        ("${iot:Connection.Thing.IsAttached}", "true"),
        ("${iot:CertificateId}", String(repeating: "ab", count: 32)),
        ("${iot:Certificate.Subject.CommonName}", "device-001"),
        ("${iot:Certificate.Subject.Organization}", "pkilab"),
        ("${iot:Certificate.Subject.OrganizationalUnit}", "sensors"),
        ("${iot:Certificate.Subject.OrganizationalUnit.1}", "line-2"),
        ("${iot:Certificate.Issuer.CommonName}", "pkilab Device CA"),
        ("${iot:Certificate.Issuer.Organization}", "pkilab"),
        ("${iot:Certificate.SerialNumber}", "1a2b3c"),
        ("${iot:Certificate.SubjectAlternativeName.DNSName}", "device-001.devices.example"),
        ("${iot:Certificate.SubjectAlternativeName.IPAddress}", "192.0.2.10"),
        ("${aws:SourceIp}", "192.0.2.10"),
        ("${IOT:CLIENTID}", "device-001"),
    ])
    func substituted(_ variable: String, _ value: String) throws {
        let evaluator = try evaluator(variable)
        let allowed = evaluator.evaluate(.publish, target: "v/" + value, context: Self.device)
        #expect(allowed.allowed, "\(allowed.explanation)")
        #expect(allowed.unresolvedVariables.isEmpty)
        #expect(!evaluator.evaluate(.publish, target: "v/" + value + "x", context: Self.device).allowed)
        #expect(!evaluator.evaluate(.publish, target: "v/" + variable, context: Self.device).allowed, "the variable's own text does not match")
    }

    @Test("what stays unreplaced, and why", arguments: [
        ("${iot:Connection.Thing.ThingTypeName}", "thing device-001 has no thing type"),
        ("${iot:Connection.Thing.Attributes[floor]}", "thing device-001 has no attribute \"floor\""),
        ("${iot:Certificate.Subject.Country}", "the certificate's subject Country is not in the certificate"),
        ("${iot:Certificate.Subject.OrganizationalUnit.2}", "has 2 value(s), so index 2 is missing"),
        ("${iot:Certificate.Subject.OrganizationalUnit.List}", "it has 2 values; a resource takes one"),
        ("${iot:Certificate.SubjectAlternativeName.UniformResourceIdentifier}", "is not in the certificate"),
        ("${iot:Topic}", "pkilab does not know the key iot:Topic"),
    ])
    func unresolved(_ variable: String, _ reason: String) throws {
        var context = Self.device
        context.thing?.typeName = nil
        let decision = try evaluator(variable).evaluate(.publish, target: "v/x", context: context)
        #expect(!decision.allowed)
        #expect(decision.unresolvedVariables == [variable])
        #expect(decision.explanation.contains("(\(variable) stayed unreplaced: "))
        #expect(decision.explanation.contains(reason), "\(decision.explanation)")
        let literal = try evaluator(variable).evaluate(.publish, target: "v/" + variable, context: context)
        #expect(literal.allowed, "an unreplaced variable is literal text: only a topic spelling it out matches")
    }

    @Test("values holding * $ + ? # or over 1024 characters are never substituted", arguments: ["dev+1", "dev#", "dev*", "dev?", "dev$x"])
    func refusedCharacters(_ clientID: String) throws {
        let evaluator = try evaluator("${iot:ClientId}")
        let decision = evaluator.evaluate(.publish, target: "v/" + clientID, context: IoTRequestContext(clientID: clientID))
        #expect(!decision.allowed)
        #expect(decision.unresolvedVariables == ["${iot:ClientId}"])
        #expect(decision.explanation.contains("which AWS never substitutes"))
    }

    @Test("a value over 1024 characters stays unreplaced")
    func tooLong() throws {
        let long = String(repeating: "a", count: 1025)
        let decision = try evaluator("${iot:ClientId}").evaluate(.publish, target: "v/" + long, context: IoTRequestContext(clientID: long))
        #expect(!decision.allowed)
        #expect(decision.explanation.contains("its value is 1025 characters, over AWS's 1024"))
    }

    @Test("thing variables need an attached thing, except IsAttached")
    func thingVariables() throws {
        var detached = Self.device
        detached.thing?.isAttached = false
        let name = try evaluator("${iot:Connection.Thing.ThingName}").evaluate(.publish, target: "v/device-001", context: detached)
        #expect(!name.allowed)
        #expect(name.explanation.contains("the client is not attached to a thing, as its certificate is not attached to thing device-001"))
        #expect(try evaluator("${iot:Connection.Thing.IsAttached}").evaluate(.publish, target: "v/false", context: detached).allowed)
        let none = try evaluator("${iot:Connection.Thing.IsAttached}").evaluate(.publish, target: "v/false", context: F.unattached("device-001"))
        #expect(!none.allowed)
    }

    @Test("${*}, ${?} and ${$} are literal characters, not wildcards")
    func escapes() throws {
        let evaluator = try evaluator("a${*}b${?}c${$}")
        #expect(evaluator.evaluate(.publish, target: "v/a*b?c$", context: Self.device).allowed)
        #expect(!evaluator.evaluate(.publish, target: "v/axxb1c$", context: Self.device).allowed)
    }

    @Test("variables combine with wildcards; a substituted value is matched literally")
    func combined() throws {
        let evaluator = try evaluator("${iot:Certificate.Subject.Organization}/*/${iot:ClientId}")
        #expect(evaluator.evaluate(.publish, target: "v/pkilab/any/depth/device-001", context: Self.device).allowed)
        #expect(!evaluator.evaluate(.publish, target: "v/pkilab/device-001", context: Self.device).allowed)
    }

    @Test("short attribute names in the context (CN, O) answer AWS's names")
    func shortNames() throws {
        let context = IoTRequestContext(clientID: "x", certificate: IoTCertificateContext(id: F.certificateID, subject: [("CN", "x"), ("O", "acme")]))
        #expect(try evaluator("${iot:Certificate.Subject.Organization}/${iot:Certificate.Subject.CommonName}").evaluate(.publish, target: "v/acme/x", context: context).allowed)
    }
}
