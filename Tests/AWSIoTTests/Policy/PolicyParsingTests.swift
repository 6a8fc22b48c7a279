import AWSIoT
import Testing

@Suite("Policy documents refused as CreatePolicy refuses them, at the offending token")
struct PolicyParsingTests {
    /// The error parsing `text` throws, or nil if it parses.
    func failure(_ text: String) -> IoTPolicyError? {
        do {
            _ = try IoTPolicyDocument(parsing: text, name: "DevicePolicy", file: "policies/device.json")
            return nil
        } catch {
            return error
        }
    }

    @Test("a missing comma between members: where the next key starts")
    func missingComma() throws {
        let error = try #require(failure("""
        {
          "Version": "2012-10-17"
          "Statement": []
        }
        """))
        #expect((error.line, error.column) == (3, 3))
        #expect(error.message == "invalid JSON: unexpected \"\"\", expected \",\" or \"}\"")
        #expect(error.hint == "a \",\" may be missing before this")
    }

    @Test("a trailing comma in an array: at the closing bracket")
    func trailingComma() throws {
        let error = try #require(failure("""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"},
        ]}
        """))
        #expect((error.line, error.column) == (3, 1))
        #expect(error.message == "invalid JSON: a trailing comma before \"]\"")
    }

    @Test("an unterminated string: where the text ends")
    func unterminatedString() throws {
        let error = try #require(failure(#"{"Version": "2012-10-17"#))
        #expect((error.line, error.column) == (1, 24))
        #expect(error.message == "invalid JSON: unterminated string")
    }

    @Test("single quotes, a bare word, text after the document")
    func otherSyntax() throws {
        let quote = try #require(failure("{'Version': 1}"))
        #expect((quote.line, quote.column) == (1, 2))
        let word = try #require(failure("{\"Version\": yes}"))
        #expect((word.line, word.column) == (1, 13))
        #expect(word.message == "invalid JSON: unexpected \"y\", expected a value")
        let extra = try #require(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iot:Connect\", \"Resource\": \"*\"}}\n}"))
        #expect((extra.line, extra.column) == (2, 1))
        #expect(extra.message == "invalid JSON: unexpected \"}\" after the document's end")
    }

    @Test("an unknown statement key: at the key, with the nearest known one")
    func unknownKey() throws {
        let error = try #require(failure("""
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Efect": "Allow",
              "Action": "iot:Connect",
              "Resource": "*"
            }
          ]
        }
        """))
        #expect((error.line, error.column) == (5, 7))
        #expect(error.message == "unknown key \"Efect\" in statement 1")
        #expect(error.hint == "did you mean \"Effect\"?")
        #expect(error.description == "policies/device.json:5:7: unknown key \"Efect\" in statement 1\n  hint: did you mean \"Effect\"?")
    }

    @Test("an unknown top-level key")
    func unknownTopLevelKey() throws {
        let error = try #require(failure("{\"Version\": \"2012-10-17\", \"Statements\": []}"))
        #expect((error.line, error.column) == (1, 27))
        #expect(error.hint == "did you mean \"Statement\"?")
    }

    @Test("a bad Effect: at the value, with the right case")
    func badEffect() throws {
        let error = try #require(failure("""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow", "Action": "iot:Connect", "Resource": "*"},
          {"Effect": "allow", "Action": "iot:Publish", "Resource": "*"}
        ]}
        """))
        #expect((error.line, error.column) == (3, 14))
        #expect(error.message == "\"Effect\" in statement 2 is \"allow\"; it must be \"Allow\" or \"Deny\"")
        #expect(error.hint == "write \"Allow\" (the value is case-sensitive)")
    }

    @Test("a missing Effect: at the statement")
    func missingEffect() throws {
        let error = try #require(failure("{\"Statement\": [{\"Action\": \"iot:Connect\", \"Resource\": \"*\"}]}"))
        #expect((error.line, error.column) == (1, 16))
        #expect(error.message == "statement 1 has no \"Effect\"")
    }

    @Test("an unknown action: at the string, with the nearest action and the list")
    func unknownAction() throws {
        let error = try #require(failure("""
        {"Version": "2012-10-17", "Statement": [
          {"Effect": "Allow",
           "Action": ["iot:Connect", "iot:Publsh"],
           "Resource": "*"}
        ]}
        """))
        #expect((error.line, error.column) == (3, 30))
        #expect(error.message == "unknown action \"iot:Publsh\" in statement 1")
        let hint = try #require(error.hint)
        #expect(hint.hasPrefix("did you mean \"iot:Publish\"? AWS IoT's actions are iot:Connect, iot:Publish, iot:Receive"))
    }

    @Test("an action of another service, a pattern matching nothing")
    func foreignAction() throws {
        let s3 = try #require(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"s3:GetObject\", \"Resource\": \"*\"}}"))
        #expect((s3.line, s3.column) == (1, 45))
        #expect(s3.message == "action \"s3:GetObject\" in statement 1 is not an AWS IoT action; IoT policies take \"iot:\" actions")
        let pattern = try #require(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iot:Create*\", \"Resource\": \"*\"}}"))
        #expect(pattern.message == "action pattern \"iot:Create*\" in statement 1 matches no AWS IoT action")
    }

    @Test("a missing Resource: at the statement")
    func missingResource() throws {
        let error = try #require(failure("""
        {
          "Version": "2012-10-17",
          "Statement": {"Effect": "Allow", "Action": "iot:Connect"}
        }
        """))
        #expect((error.line, error.column) == (3, 16))
        #expect(error.message == "statement 1 has no \"Resource\" (or \"NotResource\")")
        #expect(error.hint == "AWS IoT needs a resource; \"Resource\": \"*\" covers all")
    }

    @Test("both Action and NotAction: at the second one")
    func bothActionAndNotAction() throws {
        let error = try #require(failure("{\"Statement\": {\"Effect\": \"Deny\", \"Action\": \"iot:Connect\", \"NotAction\": \"iot:Publish\", \"Resource\": \"*\"}}"))
        #expect((error.line, error.column) == (1, 59))
        #expect(error.message == "statement 1 has both \"Action\" and \"NotAction\"")
    }

    @Test("a Version AWS does not know")
    func badVersion() throws {
        let error = try #require(failure("{\n  \"Version\": \"2020-01-01\",\n  \"Statement\": []\n}"))
        #expect((error.line, error.column) == (2, 14))
        #expect(error.message == "\"Version\" is \"2020-01-01\"; AWS IoT accepts \"2012-10-17\" or \"2008-10-17\"")
    }

    @Test("an unknown condition operator: at the operator, with the nearest")
    func unknownOperator() throws {
        let error = try #require(failure("""
        {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "iot:Connect", "Resource": "*",
          "Condition": {
            "StringEqual": {"iot:ClientId": "a"}
          }}]}
        """))
        #expect((error.line, error.column) == (3, 5))
        #expect(error.message == "unknown condition operator \"StringEqual\" in statement 1")
        #expect(error.hint == "did you mean \"StringEquals\"?")
        #expect(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iot:Connect\", \"Resource\": \"*\", \"Condition\": {\"NullIfExists\": {\"iot:ClientId\": true}}}}") != nil)
    }

    @Test("a Principal, a resource that is no ARN, a key given twice")
    func otherRefusals() throws {
        let principal = try #require(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": \"*\", \"Action\": \"iot:Connect\", \"Resource\": \"*\"}}"))
        #expect((principal.line, principal.column) == (1, 35))
        #expect(principal.message == "\"Principal\" in statement 1: AWS IoT policies have no principal element")
        let notArn = try #require(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iot:Publish\", \"Resource\": \"topic/a\"}}"))
        #expect((notArn.line, notArn.column) == (1, 72))
        #expect(notArn.message == "resource \"topic/a\" in statement 1 is neither \"*\" nor an ARN")
        let twice = try #require(failure("{\"Statement\": {\"Effect\": \"Allow\", \"Effect\": \"Deny\", \"Action\": \"iot:Connect\", \"Resource\": \"*\"}}"))
        #expect((twice.line, twice.column) == (1, 35))
    }

    @Test("over 2048 characters without whitespace: refused at the first character past the limit")
    func tooLarge() throws {
        let resources = (1...60).map { "    \"arn:aws:iot:us-east-1:123456789012:topic/devices/device-\($0)/telemetry\"" }
        let text = "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [{\n    \"Effect\": \"Allow\",\n    \"Action\": \"iot:Publish\",\n    \"Resource\": [\n"
            + resources.joined(separator: ",\n") + "\n    ]\n  }]\n}\n"
        let size = IoTPolicyDocument.size(of: text)
        #expect(size > 2048)
        var expected = (line: 1, column: 1)
        var count = 0
        for character in text.unicodeScalars {
            if character != " " && character != "\n" {
                count += 1
                if count == 2049 { break }
            }
            if character == "\n" { expected = (expected.line + 1, 1) } else { expected.column += 1 }
        }
        let error = try #require(failure(text))
        #expect((error.line, error.column) == expected)
        #expect(error.message == "the policy is \(size) characters not counting whitespace; AWS IoT refuses policies over 2048")
        let small = "{\"Statement\": {\"Effect\": \"Allow\", \"Action\": \"iot:Publish\", \"Resource\": \"*\"}}"
        #expect(failure(small + String(repeating: " ", count: 3000)) == nil, "whitespace does not count")
    }

    @Test("what parses: one statement object, Id, booleans and numbers in conditions, accepted unevaluated actions")
    func accepted() throws {
        let document = try IoTPolicyDocument(parsing: """
        {
          "Version": "2012-10-17",
          "Id": "lab",
          "Statement": {
            "Sid": "One",
            "Effect": "Deny",
            "Action": ["iot:DeleteConnection", "iot:Get*"],
            "NotResource": "arn:aws:iot:us-east-1:123456789012:thing/a",
            "Condition": {"Bool": {"iot:Connection.Thing.IsAttached": false}, "NumericLessThan": {"k": [1, 2.5e1]}}
          }
        }
        """, name: "P", file: "p.json")
        #expect(document.version == "2012-10-17")
        #expect(document.id == "lab")
        let statement = try #require(document.statements.first)
        #expect(statement.sid == "One")
        #expect(statement.effect == .deny)
        #expect(statement.actions == ["iot:DeleteConnection", "iot:Get*"])
        #expect(statement.resources == nil)
        #expect(statement.notResources == ["arn:aws:iot:us-east-1:123456789012:thing/a"])
        #expect(statement.line == 4)
        #expect(statement.conditions.map(\.values) == [["false"], ["1", "2.5e1"]])
        #expect(statement.conditions.map(\.operator.description) == ["Bool", "NumericLessThan"])
        #expect(statement.conditions.first?.line == 9)
        #expect(IoTConditionOperator(parsing: "ForAnyValue:StringLikeIfExists") == .init(base: .stringLike, qualifier: .forAnyValue, ifExists: true))
    }
}
