import Foundation
import PKILab
import PKILabTestSupport
import Testing

@Suite("pkilab policy check, shadow and job: exit codes and words, with no lab running", .serialized)
struct AWSIoTCommandTests {
    @Test("policy check: allowed 0, denied 1 with the ARN and statement, JSON; bad input 64, 65 at the policy's line:col, 66")
    func policyCheck() throws {
        let scratch = try Scratch(lab: LabTemplate.starter)
        defer { scratch.remove() }
        #expect(try Pkilab.run(["issue"], in: scratch.path).status == 0)
        let allowed = try Pkilab.run(["policy", "check", "--as", "device-001", "--action", "subscribe", "--topic", "$aws/things/device-001/shadow/update/delta"],
                                     in: scratch.path)
        #expect(allowed.status == 0 && allowed.stdout.hasPrefix("ALLOWED  iot:Subscribe on arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/device-001/shadow/update/delta is allowed by statement 3 (Sid \"OwnFilters\", Allow) of policy DevicePolicy (aws/device-policy.json:"),
                "\(allowed)")
        #expect(allowed.stdout.contains("client id device-001, thing device-001; policies: DevicePolicy"), "\(allowed)")

        let wildcard = try Pkilab.run(["policy", "check", "--as", "device-001", "--action", "subscribe", "--topic", "devices/+/state", "--json"],
                                      in: scratch.path)
        #expect(wildcard.status == 1, "\(wildcard)")
        let report = try JSONSerialization.jsonObject(with: Data(wildcard.stdout.utf8)) as? [String: Any]
        #expect(report?["allowed"] as? Bool == false && report?["resource"] as? String == "arn:aws:iot:us-east-1:123456789012:topicfilter/devices/+/state")

        let borrowed = try Pkilab.run(["policy", "check", "--as", "device-002", "--action", "connect", "--client-id", "device-001"], in: scratch.path)
        #expect(borrowed.status == 1 && borrowed.stdout.contains("client/device-001") && borrowed.stdout.contains("certificate not attached"), "\(borrowed)")

        try scratch.write("broken.json", "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [ { \"Effect\": \"Alow\", \"Action\": \"iot:*\", \"Resource\": \"*\" } ]\n}\n")
        let broken = try Pkilab.run(["policy", "check", "broken.json", "--as", "device-001", "--action", "connect"], in: scratch.path)
        #expect(broken.status == 65 && broken.stderr.contains("broken.json:3:"), "\(broken)")
        let action = try Pkilab.run(["policy", "check", "--as", "device-001", "--action", "fly"], in: scratch.path)
        #expect(action.status == 64 && action.stderr.contains("\"fly\" is not an AWS IoT action"), "\(action)")
        let nobody = try Pkilab.run(["policy", "check", "--as", "device-404", "--action", "connect"], in: scratch.path)
        #expect(nobody.status == 66 && nobody.stderr.contains("there is no client certificate named \"device-404\""), "\(nobody)")
        let topicless = try Pkilab.run(["policy", "check", "--as", "device-001", "--action", "publish"], in: scratch.path)
        #expect(topicless.status == 64 && topicless.stderr.contains("needs --topic"), "\(topicless)")
    }

    @Test("shadow and job without a running lab: saved in ca/aws-iot-state.json; AWS's 409 exits 1; a bad job document 64")
    func offline() throws {
        let scratch = try Scratch(lab: LabTemplate.starter)
        defer { scratch.remove() }
        let missing = try Pkilab.run(["shadow", "get", "device-001"], in: scratch.path)
        #expect(missing.status == 66 && missing.stderr.contains("there is no shadow of device-001"), "\(missing)")
        let update = try Pkilab.run(["shadow", "update", "device-001", "--desired", #"{"led":"on"}"#], in: scratch.path)
        #expect(update.status == 0 && update.stdout.contains("$aws/things/device-001/shadow/update/accepted"), "\(update)")
        #expect(update.stderr.contains("no lab running"), "\(update)")
        let get = try Pkilab.run(["shadow", "get", "device-001"], in: scratch.path)
        #expect(get.status == 0 && get.stdout.contains(#""delta":{"led":"on"}"#), "\(get)")
        try scratch.write("stale.json", #"{"state":{"reported":{"led":"on"}},"version":7}"#)
        let stale = try Pkilab.run(["shadow", "update", "device-001", "--document", "stale.json"], in: scratch.path)
        #expect(stale.status == 1 && stale.stdout.contains("409") && stale.stdout.contains("Version conflict"), "\(stale)")
        let nothing = try Pkilab.run(["shadow", "update", "device-001"], in: scratch.path)
        #expect(nothing.status == 64, "\(nothing)")

        try scratch.write("array.json", "[1, 2]")
        let array = try Pkilab.run(["job", "create", "device-001", "--document", "array.json"], in: scratch.path)
        #expect(array.status == 64, "\(array)")
        try scratch.write("job.json", #"{"operation":"reboot"}"#)
        let job = try Pkilab.run(["job", "create", "device-001", "--document", "job.json", "--job-id", "reboot-1"], in: scratch.path)
        #expect(job.status == 0, "\(job)")
        let again = try Pkilab.run(["job", "create", "device-001", "--document", "job.json", "--job-id", "reboot-1"], in: scratch.path)
        #expect(again.status == 64, "a job id is unique per thing: \(again)")
        let list = try Pkilab.run(["job", "ls"], in: scratch.path)
        #expect(list.stdout.contains("device-001  reboot-1  QUEUED  version 1"), "\(list)")
        let mode = try FileManager.default.attributesOfItem(atPath: scratch.path + "/ca/aws-iot-state.json")[.posixPermissions] as? Int
        #expect(mode == 0o600)

        try scratch.write("ca/aws-iot-state.json", "{ not json")
        let corrupt = try Pkilab.run(["shadow", "get", "device-001"], in: scratch.path)
        #expect(corrupt.status == 66 && corrupt.stderr.contains("move it aside"), "the file is never replaced unread: \(corrupt)")
        #expect(scratch.read("ca/aws-iot-state.json") == "{ not json")
    }

    @Test("A lab without aws_iot: says what to add; a broken policy file stops pkilab issue at its line:col")
    func labErrors() throws {
        let plain = try Scratch(lab: Scratch.lab())
        defer { plain.remove() }
        let run = try Pkilab.run(["shadow", "get", "device-001"], in: plain.path)
        #expect(run.status == 64 && run.stderr.contains("has no aws_iot: section"), "\(run)")

        let scratch = try Scratch(lab: LabTemplate.starter)
        defer { scratch.remove() }
        try scratch.write(LabTemplate.devicePolicyPath, "{ \"Version\": \"2012-10-17\", \"Statement\": [ }")
        let issue = try Pkilab.run(["issue"], in: scratch.path)
        #expect(issue.status == 65 && issue.stderr.contains("aws/device-policy.json:1:"), "\(issue)")
    }
}
