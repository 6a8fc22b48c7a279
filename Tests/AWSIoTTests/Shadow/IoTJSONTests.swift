import AWSIoT
import Testing

@Suite("The JSON values shadows and jobs are made of")
struct IoTJSONTests {
    @Test("parses and prints compactly with sorted keys")
    func roundTrip() throws {
        let value = try IoTJSONParser.parse(Array(#" { "b" : [1, -2.5e3, true, false, null], "a" : "x\"\\\n\u00e9\ud83d\ude00\u0001" } "#.utf8))
        #expect(value.description == #"{"a":"x\"\\\né😀\u0001","b":[1,-2500.0,true,false,null]}"#)
        #expect(try IoTJSONParser.parse(value.encoded()) == value)
    }

    @Test("numbers: integers stay integers; equality is by value")
    func numbers() throws {
        #expect(try IoTJSONParser.parse(Array("12".utf8)) == .int(12))
        #expect(try IoTJSONParser.parse(Array("12.0".utf8)) == .int(12))
        #expect(try IoTJSONParser.parse(Array("12.0".utf8)).description == "12.0")
        #expect(try IoTJSONParser.parse(Array("123456789012345678901".utf8)) == .double(1.2345678901234568e20))
        #expect(IoTJSON.int(1) != .double(1.5))
        #expect(Set([IoTJSON.int(3), .double(3)]).count == 1)
    }

    @Test("refuses what is not one JSON value", arguments: [
        "", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "nul", "\"a", "\"\t\"", "{\"a\" 1}", "1 2",
        "[\"\\x\"]", "\"\\ud800\"", "NaN", "{a:1}",
    ])
    func invalid(_ text: String) {
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try IoTJSONParser.parse(Array(text.utf8)) }
    }

    @Test("tells invalid UTF-8 apart")
    func notUTF8() {
        #expect(throws: IoTJSONParser.Failure.notUTF8) { try IoTJSONParser.parse([0x22, 0xC3, 0x28, 0x22]) }
    }

    @Test("refuses nesting deep enough to hurt the stack")
    func deep() {
        let text = String(repeating: "[", count: 200) + String(repeating: "]", count: 200)
        #expect(throws: IoTJSONParser.Failure.invalidJSON) { try IoTJSONParser.parse(Array(text.utf8)) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try IoTJSONParser.parse(Array(fine.utf8)) }
    }
}
