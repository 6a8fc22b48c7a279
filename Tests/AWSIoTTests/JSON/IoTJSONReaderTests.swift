@testable import AWSIoT
import Testing

/// The one JSON reader the policy parser and ``IoTJSONParser`` share: the same nodes and positions under both rule
/// sets, and the two places where the rules differ.
@Suite("The shared JSON reader under policy and payload rules")
struct IoTJSONReaderTests {
    private func read(_ text: String, _ rules: IoTJSONReader.Rules) -> Result<IoTJSONNode, IoTJSONSyntaxError> {
        Result { () throws(IoTJSONSyntaxError) in try IoTJSONReader.read(text, rules: rules) }
    }

    private let document = """
        {
          "Version": "2012-10-17",
        \t"Statement": [{"Effect":"Allow", "n": -1.5e3},\r
           null, true]
        }
        """

    @Test("one document reads to the same nodes, keys and positions under both rules")
    func sameNodes() throws {
        let policy = try read(document, .policy).get()
        #expect(try read(document, .payload).get() == policy)
        guard case .object(let members) = policy.kind, members.count == 2 else { Issue.record("\(policy)"); return }
        #expect((members[0].key, members[0].line, members[0].column) == ("Version", 2, 3))
        #expect((members[0].value.line, members[0].value.column) == (2, 14))
        #expect((members[1].key, members[1].line, members[1].column) == ("Statement", 3, 2))
        guard case .array(let elements) = members[1].value.kind, elements.count == 3 else { Issue.record("\(members[1])"); return }
        #expect((elements[0].line, elements[0].column) == (3, 16))
        #expect(elements[1] == IoTJSONNode(kind: .null, line: 4, column: 4))
        #expect(elements[2] == IoTJSONNode(kind: .bool(true), line: 4, column: 10))
        guard case .object(let statement) = elements[0].kind else { Issue.record("\(elements[0])"); return }
        #expect(statement[1].value == IoTJSONNode(kind: .number("-1.5e3"), line: 3, column: 40))
    }

    @Test("a syntax error carries the same position and message under both rules")
    func sameErrors() {
        for text in ["{\"a\": [1,\n  ]}", "{\"a\" 1}", "[\"\\ud800\"]", "\"a\tb\"", "[1] 2", ""] {
            let policy = read(text, .policy)
            #expect(policy == read(text, .payload), "\(text)")
            guard case .failure = policy else { Issue.record("accepted: \(text)"); continue }
        }
        #expect(read("{\"a\": [1,\n  ]}", .payload) == .failure(.init(line: 2, column: 3, message: "a trailing comma before \"]\"",
                                                                        hint: "remove the last \",\"")))
    }

    @Test("the byte order mark: skipped (and not counted) for policies, an unexpected character for payloads")
    func byteOrderMark() {
        #expect(read("\u{FEFF}[1]", .policy) == .success(.init(kind: .array([.init(kind: .number("1"), line: 1, column: 2)]), line: 1, column: 1)))
        #expect(read("\u{FEFF}[1]", .payload) == .failure(.init(line: 1, column: 1, message: "unexpected \"\u{FEFF}\", expected a value")))
    }

    @Test("nesting: policies count every value (64), payloads count containers (128)")
    func nesting() {
        func nested(_ depth: Int, _ inner: String) -> String {
            String(repeating: "[", count: depth) + inner + String(repeating: "]", count: depth)
        }
        #expect((try? read(nested(63, "1"), .policy).get()) != nil)
        #expect(read(nested(64, "1"), .policy) == .failure(.init(line: 1, column: 65, message: "nesting deeper than 64 levels")))
        #expect((try? read(nested(64, ""), .policy).get()) != nil)
        #expect(read(nested(65, ""), .policy) == .failure(.init(line: 1, column: 65, message: "nesting deeper than 64 levels")))
        #expect((try? read(nested(128, "1"), .payload).get()) != nil)
        #expect(read(nested(129, "1"), .payload) == .failure(.init(line: 1, column: 129, message: "nesting deeper than 128 levels")))
    }

    @Test("shadow updates: not UTF-8 is 415 even when the JSON is broken too; a BOM or 129 levels is 400 Invalid JSON")
    func shadowCodes() {
        var store = ShadowStore()
        #expect(store.handle(.init(thing: "device-001"), .update, payload: [0x7B, 0xC3], now: 1).errorCode == 415)
        let bom = store.handle(.init(thing: "device-001"), .update, payload: [0xEF, 0xBB, 0xBF] + Array("{}".utf8), now: 1)
        #expect(bom.errorCode == 400)
        #expect(bom.messages.first?.json["message"] == .string("Invalid JSON"))
        let deep = "{\"state\":{\"desired\":{\"a\":" + String(repeating: "[", count: 127) + String(repeating: "]", count: 127) + "}}}"
        let refused = store.send(.update, deep)
        #expect(refused.errorCode == 400)
        #expect(refused.messages.first?.json["message"] == .string("Invalid JSON"))
    }
}
