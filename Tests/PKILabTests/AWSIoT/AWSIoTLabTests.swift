import Foundation
import PKILab
import Testing

@Suite("aws_iot: in lab.yaml — the twin's registry, and every mistake named at file:line:col")
struct AWSIoTLabTests {
    static let policy = """
        {
          "Version": "2012-10-17",
          "Statement": [
            { "Effect": "Allow", "Action": "iot:Connect", "Resource": "arn:aws:iot:eu-west-1:000011112222:client/${iot:ClientId}" }
          ]
        }
        """

    /// A folder with lab.yaml (the test lab plus `aws_iot`) and `policies`.
    static func read(_ awsIoT: String, policies: [String: String] = ["aws/p.json": policy]) throws -> Lab {
        let folder = NSTemporaryDirectory() + "pkilab-awsiot-\(UUID().uuidString.prefix(8))"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for (path, text) in policies {
            let full = "\(folder)/\(path)"
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        let text = TestLab.text(extra: "  device-002: { issuer: issuing, role: client }") + "\n" + awsIoT
        try text.write(toFile: "\(folder)/lab.yaml", atomically: true, encoding: .utf8)
        return try LabFileReader(displayName: "lab.yaml").read(path: "\(folder)/lab.yaml")
    }

    static func error(_ awsIoT: String, policies: [String: String] = ["aws/p.json": policy]) -> LabFileError? {
        do {
            _ = try read(awsIoT, policies: policies)
            return nil
        } catch let error as LabFileError {
            return error
        } catch {
            return nil
        }
    }

    @Test("A whole twin: region, account, policies read from their files, certificates, things, and two aws listeners")
    func whole() throws {
        let lab = try Self.read("""
            aws_iot:
              region: eu-west-1
              account: "000011112222"
              port: 0
              alpn_port: 0
              policies: { P: aws/p.json }
              certificates:
                device-001: { status: ACTIVE, policies: [P] }
                device-002: { status: inactive }
              things:
                device-001: { certificates: [device-001], type: sensor, attributes: { room: lab-2, floor: "3" } }
            """)
        let spec = try #require(lab.awsIoT)
        #expect(spec.region == "eu-west-1" && spec.account == "000011112222")
        #expect(spec.policies.map(\.name) == ["P"] && spec.policies[0].file == "aws/p.json")
        #expect(spec.certificate("device-002")?.status == .inactive)
        #expect(spec.policies(of: "device-001").map(\.name) == ["P"])
        #expect(spec.things(attachedTo: "device-001").first?.attributes == ["room": "lab-2", "floor": "3"])
        let aws = lab.endpoints.filter { $0.mqtt.behaviour == .aws }
        #expect(aws.map(\.name) == ["aws-iot", "aws-iot-443"])
        #expect(aws[1].alpn == ["x-amzn-mqtt-ca", "x-amzn-http-ca"] && aws[1].portSetting == "aws_iot.alpn_port")
    }

    @Test("alpn_port: off leaves the 443 listener out")
    func alpnOff() throws {
        let lab = try Self.read("aws_iot: { port: 0, alpn_port: off }")
        #expect(lab.endpoints.filter { $0.mqtt.behaviour == .aws }.map(\.name) == ["aws-iot"])
    }

    @Test("Mistakes in lab.yaml name the key", arguments: [
        ("aws_iot: { port: 0, alpn_port: off, certificates: { device-009: { status: ACTIVE } } }", "there is no lab certificate named \"device-009\""),
        ("aws_iot: { port: 0, alpn_port: off, certificates: { server: { status: ACTIVE } } }", "is a server certificate"),
        ("aws_iot: { port: 0, alpn_port: off, certificates: { device-001: { status: ACTIV } } }", "Did you mean ACTIVE?"),
        ("aws_iot: { port: 0, alpn_port: off, certificates: { device-001: { policies: [Q] } } }", "there is no policy named \"Q\""),
        ("aws_iot: { port: 0, alpn_port: off, things: { \"dev/1\": { certificates: [] } } }", "the thing name \"dev/1\" holds \"/\""),
        ("aws_iot: { port: 0, alpn_port: off, things: { d1: { certificates: [device-001] } } }", "is not registered under aws_iot.certificates"),
        ("aws_iot: { port: 0, alpn_port: off, things: { d1: { attributes: { room: \"a b\" } } } }", "is not an attribute value AWS IoT accepts"),
        ("aws_iot: { account: 12345, port: 0, alpn_port: off }", "is not an AWS account id (12 digits)"),
        ("aws_iot: { region: Frankfurt, port: 0, alpn_port: off }", "is not an AWS region name"),
        ("aws_iot: { port: 0, alpn_port: off, policies: { P: aws/missing.json } }", "there is no policy file \"aws/missing.json\""),
        ("aws_iot: { port: 0, alpn_port: off, polices: {} }", "Did you mean \"policies\"?"),
    ])
    func mistakes(_ awsIoT: String, _ message: String) throws {
        let error = try #require(Self.error(awsIoT))
        #expect(error.message.contains(message), "\(error)")
        #expect(error.location.file == "lab.yaml" && error.location.line > 0)
    }

    @Test("A malformed policy document is refused at its own file:line:col, as CreatePolicy would refuse it")
    func malformedPolicy() throws {
        let broken = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    { \"Effect\": \"Allow\" \"Action\": \"iot:Connect\", \"Resource\": \"*\" }\n  ]\n}\n"
        let error = try #require(Self.error("aws_iot: { port: 0, alpn_port: off, policies: { P: aws/p.json } }", policies: ["aws/p.json": broken]))
        #expect(error.location.file == "aws/p.json")
        #expect(error.location.line == 4 && error.location.column == 25, "\(error)")
        let unknownAction = Self.policy.replacingOccurrences(of: "iot:Connect", with: "iot:Conect")
        let second = try #require(Self.error("aws_iot: { port: 0, alpn_port: off, policies: { P: aws/p.json } }", policies: ["aws/p.json": unknownAction]))
        #expect(second.location.file == "aws/p.json" && second.location.line == 4)
        #expect(second.description.contains("iot:Connect"), "\(second)")
    }

    @Test("The twin's listeners may not take an endpoint's port")
    func portClash() throws {
        let error = try #require(Self.error("aws_iot: { port: 8883, alpn_port: off }"))
        #expect(error.message.contains("aws-iot (aws_iot.port) and mqtt both listen on port 8883"), "\(error)")
    }
}
