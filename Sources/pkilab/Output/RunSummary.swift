import Foundation
import PKILab

/// What `pkilab run` prints on stderr once its command has ended: the command's status, the connections per
/// endpoint, each reason something was refused (with its words and hint), the zoo report when the zoo served,
/// and the `--fail-on` checks.
struct RunSummary {
    let events: [ConnectionEvent]
    let zoo: Bool
    let checks: [String]

    /// Prints the summary and returns whether a `--fail-on` check failed.
    func print(program: String, status: Int32, seconds: Double) -> Bool {
        let summary = EventSummary(events)
        Console.err("")
        Console.err("pkilab run: \"\(program)\" exited with \(status) after \(String(format: "%.1f", seconds)) s.")
        if summary.total == 0 {
            Console.err("Connections: none reached the lab.")
        } else {
            let accepted = summary.endpoints.reduce(0) { $0 + $1.accepted }
            Console.err("Events: \(summary.total) — \(accepted) accepted, \(summary.rejected) refused, \(summary.total - accepted - summary.rejected) closed (MQTT sessions that ended)")
            Console.table([["ENDPOINT", "ACCEPTED", "REFUSED", "CLOSED"]] + summary.endpoints.map {
                [$0.name, "\($0.accepted)", "\($0.rejected)", "\($0.closed)"]
            }) { Console.err("  " + $0) }
        }
        for refusal in summary.refusals {
            Console.err("  \(refusal.count)× [\(refusal.reason)] on \(refusal.endpoint): \(refusal.explanation)")
            if let hint = refusal.hint { Console.err("      \(hint)") }
        }
        let report = ZooReport(events: events)
        if zoo {
            Console.err("")
            if report.rows.isEmpty {
                Console.err("Zoo: no connection reached the zoo's bad servers.")
            } else {
                ZooReportPrinter.print(report) { Console.err($0) }
            }
        }
        var failures: [String] = []
        for check in checks {
            switch check {
            case "rejected" where summary.rejected > 0:
                failures.append("rejected: \(summary.rejected) connection(s) or request(s) were refused")
            case "zoo" where report.rows.isEmpty:
                failures.append("zoo: no connection reached the zoo")
            case "zoo" where !report.failures.isEmpty:
                failures.append("zoo: the device got \(report.failures.joined(separator: ", ")) wrong")
            case "no-connections" where summary.total == 0:
                failures.append("no-connections: nothing connected to the lab")
            case let reason where reason.hasPrefix("reason:"):
                let code = String(reason.dropFirst("reason:".count))
                let count = events.filter { $0.reason == code }.count
                if count > 0 { failures.append("\(reason): \(count) event(s) with reason \(code)") }
            default:
                break
            }
        }
        for failure in failures { Console.err("Failed check --fail-on \(failure).") }
        return !failures.isEmpty
    }
}
