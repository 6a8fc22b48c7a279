import Foundation

/// The TLS engine the labs under test run on: `PKILAB_TLS_ENGINE`, which `pkilab up` reads too (scripts/test runs the
/// endpoint suites once on each engine). Tests whose peers see a difference (the alert, max_fragment_length, whether a
/// ticket is taken) say what each engine does.
public enum EngineUnderTest {
    public static var isOpenSSL: Bool {
        ProcessInfo.processInfo.environment["PKILAB_TLS_ENGINE"]?.lowercased() == "openssl"
    }
}
