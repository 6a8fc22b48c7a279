import ArgumentParser
import Foundation
import PKILab

extension EndpointSpec.TLSEngine: ExpressibleByArgument {
    /// `--tls-engine` when given, else `PKILAB_TLS_ENGINE` when set (so a CI job can run the same tests on the other
    /// engine), else nil: each endpoint's own `tls_engine:`.
    static func chosen(_ option: Self?, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Self? {
        if let option { return option }
        guard let text = environment["PKILAB_TLS_ENGINE"], !text.isEmpty else { return nil }
        guard let engine = Self(rawValue: text.lowercased()) else {
            throw ValidationError("Please set PKILAB_TLS_ENGINE to openssl or boringssl (not \"\(text)\"), or unset it.")
        }
        return engine
    }
}
