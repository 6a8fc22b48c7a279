import AWSIoT
import Testing

@Suite("OTA placeholders: replaced when handed out, kept in the store")
struct JobsPresignTests {
    let document = #"{"afr_ota":{"files":[{"url":"${aws:iot:s3-presigned-url:https://s3.eu-west-1.amazonaws.com/bkt/fw.bin}","size":5}]},"note":"a ${aws:iot:s3-presigned-url:https://x/y} b"}"#

    @Test("start-next, describe and update hand out signed URLs; the stored document keeps the placeholders")
    func replaced() throws {
        var store = JobsStore()
        let signer: (String) -> String? = { "\($0)?X-Amz-Signature=abc" }
        let created = try store.create(jobID: "ota", thing: "device-001", document: Array(document.utf8), now: 1, presign: signer)
        #expect(created[1].payloadText.contains("fw.bin?X-Amz-Signature=abc"))
        let started = store.handle(thing: "device-001", .startNext, payload: [], now: 2, presign: signer)
        let handed = started.replies[0].json["execution"]?["jobDocument"]
        #expect(handed?["afr_ota"]?["files"] == json(#"[{"url":"https://s3.eu-west-1.amazonaws.com/bkt/fw.bin?X-Amz-Signature=abc","size":5}]"#))
        #expect(handed?["note"] == .string("a https://x/y?X-Amz-Signature=abc b"))
        #expect(store.executions(of: "device-001")[0].document == json(document))
        let described = store.handle(thing: "device-001", .describe(jobID: "ota"), payload: [], now: 3, presign: signer)
        #expect(described.replies[0].payloadText.contains("X-Amz-Signature"))
        let updated = store.handle(
            thing: "device-001", .update(jobID: "ota"), payload: Array(#"{"status":"IN_PROGRESS","includeJobDocument":true}"#.utf8),
            now: 4, presign: signer)
        #expect(updated.replies[0].json["jobDocument"]?["note"] == .string("a https://x/y?X-Amz-Signature=abc b"))
    }

    @Test("without a signer the placeholder stays and the summary says so")
    func unsigned() throws {
        var store = JobsStore()
        _ = try store.create(jobID: "ota", thing: "device-001", document: Array(document.utf8), now: 1)
        let started = store.handle(thing: "device-001", .startNext, payload: [], now: 2, presign: { _ in nil })
        #expect(started.replies[0].payloadText.contains("${aws:iot:s3-presigned-url:https://x/y}"))
        #expect(started.summary.contains("2 pre-signed URL placeholder(s) left"))
    }
}
