import PKILab

/// The zoo report in words: a table of the bad servers a device met and what it did, then one line per wrong or
/// notable verdict and the sentence that sums it up (`pkilab zoo report`, and `pkilab run` with the zoo on).
enum ZooReportPrinter {
    static func print(_ report: ZooReport, _ write: (String) -> Void) {
        let words: [ZooVerdict: String] = [.correct: "ok", .observed: "ok (either is fine)", .noRevocationCheck: "accepted: no revocation check",
                                           .handshakeOnly: "completed the handshake, sent nothing", .wronglyRefused: "FAILED: refused the good server",
                                           .wronglyAccepted: "FAILED: accepted"]
        Console.table([["SERVER", "LISTENER", "CONNECTIONS", "REFUSED", "ACCEPTED", "SENT DATA", "VERDICT"]] + report.rows.map {
            [$0.scenario, $0.listener, "\($0.connections)", "\($0.refused)", "\($0.accepted)", "\($0.sentData)", words[$0.verdict] ?? $0.verdict.rawValue]
        }, write: write)
        write("")
        for row in report.rows where row.verdict.isFailure || row.verdict == .noRevocationCheck || row.verdict == .handshakeOnly {
            write("\(row.listener == "mqtt" ? "mqtt/" : "")\(row.scenario): \(row.meaning).")
        }
        if report.failures.isEmpty {
            write("The device refused every bad server it met" + (report.untested.isEmpty ? "." : "; not yet tried: \(report.untested.joined(separator: ", "))."))
        } else {
            write("The device got \(report.failures.count) wrong: \(report.failures.joined(separator: ", ")).")
        }
    }
}
