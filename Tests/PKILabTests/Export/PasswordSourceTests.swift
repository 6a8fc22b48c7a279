import Foundation
import PKILab
import Testing

@Suite("Where a PKCS#12 password comes from")
struct PasswordSourceTests {
    @Test("pass:, env:, file: and bare text, as openssl takes them; a missing variable or file is a failure that says what to do")
    func sources() async throws {
        #expect(try PasswordSource(parsing: "pass:s3cret").read() == "s3cret")
        #expect(try PasswordSource(parsing: "pass:env:x").read() == "env:x")
        #expect(try PasswordSource(parsing: "s3cret").read() == "s3cret")
        #expect(try PasswordSource(parsing: "s3cret").isOnCommandLine && !PasswordSource(parsing: "env:P").isOnCommandLine)
        #expect(try PasswordSource(parsing: "env:P12").read(environment: ["P12": "from env"]) == "from env")
        #expect(try PasswordSource(parsing: "-") == .standardInput && PasswordSource(parsing: "stdin") == .standardInput)
        #expect(try PasswordSource(parsing: "fd:3") == .descriptor(3))
        #expect(throws: PasswordSource.Failure.self) { try PasswordSource(parsing: "env:P12").read(environment: [:]) }
        #expect(throws: PasswordSource.Failure.self) { try PasswordSource(parsing: "fd:x") }
        #expect(throws: PasswordSource.Failure.self) { try PasswordSource(parsing: "file:/nonexistent/pw").read() }
        try await TestLab.withTemporaryFolder { folder in
            try "first line\r\nsecond\n".write(toFile: folder + "/pw", atomically: true, encoding: .utf8)
            #expect(try PasswordSource(parsing: "file:\(folder)/pw").read() == "first line")
            try "".write(toFile: folder + "/empty", atomically: true, encoding: .utf8)
            #expect(throws: PasswordSource.Failure.self) { try PasswordSource(parsing: "file:\(folder)/empty").read() }
        }
    }
}
