import Foundation
import PKILabTestSupport
import Testing

@Suite("--tls-engine and PKILAB_TLS_ENGINE: a wrong name is refused before anything is written")
struct TLSEngineCLITests {
    @Test("pkilab up --tls-engine wolfssl and PKILAB_TLS_ENGINE=wolfssl: exit 64 naming the choices; nothing is issued")
    func wrongEngine() throws {
        let scratch = try Scratch(lab: Scratch.lab())
        defer { scratch.remove() }
        let option = try Pkilab.run(["up", "--tls-engine", "wolfssl"], in: scratch.path, timeout: 30)
        #expect(option.status == 64 && option.stderr.contains("openssl") && option.stderr.contains("boringssl"), "\(option)")
        let variable = try Pkilab.run(["up"], in: scratch.path, environment: ["PKILAB_TLS_ENGINE": "wolfssl"], timeout: 30)
        #expect(variable.status == 64 && variable.stderr.contains("PKILAB_TLS_ENGINE to openssl or boringssl"), "\(variable)")
        let run = try Pkilab.run(["run", "--", "true"], in: scratch.path, environment: ["PKILAB_TLS_ENGINE": "wolfssl"], timeout: 30)
        #expect(run.status == 64 && run.stderr.contains("PKILAB_TLS_ENGINE"), "\(run)")
        #expect(!scratch.exists("ca/root.pem"), "nothing was issued")
    }
}
