import Foundation
import PKILab
import PKILabEndpoints

/// What `pkilab up` prints once every endpoint listens: the limits, the exposure warning, the endpoint table, a
/// command to try each endpoint with, the zoo, the notes, and the `ready` line (or, with `--json`, the ready file's
/// JSON on stdout and the rest on stderr).
struct ReadyPrinter {
    let lab: Lab
    let ready: ReadyLab
    let server: LabServer
    let descriptors: (from: Int, to: Int)
    let handshakeTimeout: Int64

    func print(json: Bool, readyFile: String) {
        if json {
            Console.err(limitsLine)
            exposureBlock.forEach { Console.err($0) }
            consoleLines.forEach { Console.err($0) }
            Console.out(ready.json)
            return
        }
        Console.out(limitsLine)
        exposureBlock.forEach { Console.out($0) }
        printTable()
        printExamples()
        printZooAndNotes()
        Console.out(Self.readyLine(ready, readyFile: readyFile))
    }

    /// Where the workshop console is, with the teacher's token (empty without `--console`).
    var consoleLines: [String] {
        guard let console = server.console, let endpoint = ready.endpoints.first(where: { $0.kind == .console }) else { return [] }
        let url = endpoint.url.hasSuffix("/") ? endpoint.url : endpoint.url + "/"
        return ["Console:       \(url)#token=\(console.token)",
                "               (open it in a browser and project it; the token lets you make one-time kit links and leaves the address bar once the page reads it; anyone with the URL without the token only watches)"]
    }

    /// `ready echo=127.0.0.1:7443 … endpoints=ca/endpoints.json`: the line scripts wait for.
    static func readyLine(_ ready: ReadyLab, readyFile: String) -> String {
        "ready " + ready.endpoints.map { "\($0.name)=\($0.host):\($0.port)" }.joined(separator: " ") + " endpoints=\(Console.path(readyFile))"
    }

    /// One line on the file-descriptor limit and the caps and timeouts that keep one client from starving the lab.
    var limitsLine: String {
        let raised = descriptors.to > descriptors.from ? "raised from \(descriptors.from) to \(descriptors.to) (the hard limit)"
            : "\(descriptors.to)\(descriptors.to < 4096 ? " (the hard limit; raise it with ulimit -Hn for more connections)" : "")"
        let caps = server.limits
        return "Limits: open files \(raised); at most \(caps.total) connections (endpoints.max_connections), \(caps.perAddress) per address, "
            + "\(caps.perClient) per client certificate; TLS handshakes and MQTT CONNECT within \(handshakeTimeout) s, "
            + "HTTP requests within \(server.idleTimeout) s of idle (endpoints.idle_timeout)."
    }

    /// The warning block about listeners other machines can reach (empty when all are on loopback).
    var exposureBlock: [String] {
        let exposed = ready.notices.filter { $0.hasPrefix(Exposure.prefix) }.map { "  " + $0.dropFirst(Exposure.prefix.count) }
        guard !exposed.isEmpty else { return [] }
        return ["Warning: these listeners are reachable from other machines, not only this one:"] + exposed
            + ["  Bind 127.0.0.1 (the default) unless devices on the network need them; only listeners that require a client certificate keep strangers out."]
    }

    /// The lab's own endpoints (the zoo has its own lines), one row each; the columns fit the longest value.
    private func printTable() {
        var rows = [["ENDPOINT", "URL", "PRESENTS", "CLIENT AUTH", "TRUSTS", "TLS"]]
        for endpoint in ready.endpoints where endpoint.zoo == nil || endpoint.kind == .store {
            let tls = endpoint.behaviour.map { "\(endpoint.tls), \($0)" } ?? endpoint.tls
            switch endpoint.kind {
            case .crl:
                rows.append([endpoint.name, endpoint.url, "-", "none (plain HTTP: the CRLs)", "-", "none"])
            case .sntp:
                let shifted = ready.timeOffset == "0" ? "" : ", time \(ready.timeOffset)"
                rows.append([endpoint.name, "udp://\(DisplayHost.of(endpoint.host)):\(endpoint.port)", "-", "none (SNTP\(shifted))", "-", "none"])
            case .mqtt where endpoint.tls == "none":
                rows.append([endpoint.name, endpoint.url, "-", "none (plain MQTT)", "-", tls])
            case .store where endpoint.zoo != nil:
                rows.append([endpoint.name, endpoint.url, "zoo untrusted-root", "none (the wrong-ca fault: a root no device trusts)", "-", tls])
            case .store:
                rows.append([endpoint.name, endpoint.url, endpoint.certificate, "none (object store, as S3)", "-", tls])
            case .console:
                rows.append([endpoint.name, endpoint.url, endpoint.certificate, "optional (proves who downloads a kit)", endpoint.trust.joined(separator: ", "), tls])
            case .echo, .https, .mqtt:
                let auth = endpoint.clientAuth == .none ? "none" : "\(endpoint.clientAuth.rawValue) (chain: \(endpoint.clientChain.rawValue))"
                rows.append([endpoint.name, endpoint.url, endpoint.certificate, auth, endpoint.trust.joined(separator: ", "), tls])
            }
        }
        Console.out()
        Console.table(rows)
        Console.out()
    }

    /// A command per endpoint that connects as one of the lab's devices.
    private func printExamples() {
        guard let device = ready.identities.first(where: { $0.role == .client }) ?? ready.identities.first(where: { $0.role == .both }) else { return }
        let ca = Console.path(ready.ca)
        let cert = Console.path(device.fullchain), key = Console.path(device.key)
        for endpoint in ready.endpoints where endpoint.zoo == nil {
            let host = DisplayHost.of(endpoint.host)
            switch endpoint.kind {
            case .console:
                consoleLines.forEach { Console.out($0) }
            case .crl:
                let authority = lab.bottomAuthorities.first?.name ?? lab.authorities[0].name
                Console.out("CRLs:          curl -s \(endpoint.url)\(authority).crl | openssl crl -inform DER -noout -text   (pkilab revoke NAME updates them)")
            case .sntp:
                Console.out("SNTP:          ntpdate -q \(host)\(endpoint.port == 123 ? "" : "   (port \(endpoint.port): devices always ask 123)")")
            case .echo:
                Console.out("Try the echo:  openssl s_client -connect \(host):\(endpoint.port) -CAfile \(ca) -cert \(Console.path(device.cert)) "
                            + "-cert_chain \(Console.path(device.chain)) -key \(key) -verify_return_error -quiet")
            case .https:
                Console.out("Try HTTPS:     curl --cacert \(ca) --cert \(cert) --key \(key) https://\(host):\(endpoint.port)/whoami")
                if let ota = lab.ota {
                    Console.out("OTA:           curl --cacert \(ca) --cert \(cert) --key \(key) -L -o update.bin https://\(host):\(endpoint.port)/ota/update")
                    Console.out("               (a \(ota.redirectStatus) to a pre-signed URL on the object store, under \(lab.ancestry(of: ota.store.authority).last?.name ?? ota.store.authority); /ota/manifest says the same in JSON)")
                }
            case .store:
                guard let (path, images) = server.otaImages else { break }
                let folder = Console.path(path), count = images.count
                Console.out("Object store:  \(endpoint.url)\(lab.ota!.store.bucket)/ — \(count == 0 ? "no images in \"\(folder)\" yet: pkilab ota image 1.2.0 makes one" : "\(count) image(s) from \"\(folder)\" (pkilab ota ls)")")
            case .mqtt:
                let topic = lab.exampleTopic(for: device.name)
                let tls = endpoint.tls == "none" ? "" : " --cafile \(ca) --cert \(cert) --key \(key)"
                let common = "-h \(host) -p \(endpoint.port)\(tls) -i \(device.name)"
                let subscribe = topic.split(separator: "/").dropLast().joined(separator: "/") + "/#"
                let aws = endpoint.behaviour == "aws"
                let alpn = lab.endpoints.first { $0.name == endpoint.name }?.alpn.contains("x-amzn-mqtt-ca") == true ? " --tls-alpn x-amzn-mqtt-ca" : ""
                if aws, let twin = lab.awsIoT {
                    // The twin: the client id is the thing the certificate is attached to; one connection per client id.
                    let thing = twin.things(attachedTo: device.name).first?.name ?? device.name
                    let twinCommon = "-h \(host) -p \(endpoint.port)\(tls)\(alpn) -i \(thing)"
                    let policies = twin.certificate(device.name)?.policies.joined(separator: ", ") ?? "none"
                    Console.out("MQTT \(endpoint.name) (AWS IoT twin; \(device.name) is thing \(thing), policies \(policies)):")
                    Console.out("  shadow:      mosquitto_sub \(twinCommon) -t '$aws/things/\(thing)/shadow/update/delta' -v")
                    Console.out("               then: pkilab shadow update \(thing) --desired '{\"led\":\"on\"}'   (the delta arrives)")
                    Console.out("  publish:     mosquitto_pub \(twinCommon) -t 'devices/\(thing)/state' -m hello -q 1")
                    Console.out("               (one connection per client id, as on AWS: this one closes the subscriber" + (alpn.isEmpty ? ")" : "; without --tls-alpn x-amzn-mqtt-ca the CONNECT is never answered)"))
                    break
                }
                Console.out("MQTT \(endpoint.name) (\(endpoint.behaviour ?? "mosquitto")):")
                // aws: the client id must be the thing name, and a second connection with it replaces the first.
                Console.out("  subscribe:   mosquitto_sub \(common)\(alpn)\(aws ? "" : "-sub") -t '\(subscribe)' -v")
                Console.out("  publish:     mosquitto_pub \(common)\(alpn) -t '\(topic)' -m hello -q 1")
                if aws { Console.out("               (aws: the client id must be the certificate's name, and a second connection with it closes the first)") }
            }
        }
    }

    private func printZooAndNotes() {
        if let policy = ready.policy { Console.out("MQTT policy:   \(policy)") }
        let zoo = ready.endpoints.filter { $0.zoo != nil && $0.kind != .store }
        if !zoo.isEmpty {
            Console.out()
            Console.out("Zoo (bad servers a device must refuse; pkilab zoo --json says what is wrong with each, pkilab zoo report what the device did):")
            Console.out("  TLS:  " + zoo.filter { $0.kind == .echo }.map { "\($0.zoo ?? $0.name)=\($0.port)" }.joined(separator: " "))
            Console.out("  MQTT: " + zoo.filter { $0.kind == .mqtt }.map { "\($0.zoo ?? $0.name)=\($0.port)" }.joined(separator: " "))
            Console.out("  bad clients: pkilab probe URL --as zoo/NAME --expect reject, NAME one of \(ZooClient.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        for notice in ready.notices where !notice.hasPrefix(Exposure.prefix) { Console.out("Note: \(notice)") }
        if ready.labClockOffset != "0" {
            let now = LabDate.humanWithTime(ClockOffset(parsing: ready.labClockOffset)?.now ?? Date())
            Console.out("Note: the endpoints check client certificates as if it were \(now) (--lab-clock-offset \(ready.labClockOffset)).")
        }
        Console.out()
        Console.out("Connections are logged below and in \"\(Console.path(ready.events))\". Ctrl-C stops.")
    }
}
