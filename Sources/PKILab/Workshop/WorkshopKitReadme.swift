import Foundation
import MQTTBroker

/// A kit's one-page `README.html`: who the kit is for (CN, serial, SHA-256 fingerprint, key type, expiry), the
/// PKCS#12 password, what each file is, and copy-paste commands for the lab's endpoints (curl to `/whoami`,
/// `openssl s_client` to the echo, `mosquitto_sub`/`mosquitto_pub` on a topic the policy allows, Python `ssl`,
/// `keytool`), run from inside the unzipped folder. Every text from the lab is HTML-escaped; the page has no
/// scripts and no external resources.
enum WorkshopKitReadme {
    /// One file of the kit as the page lists it.
    struct Listed {
        var name: String
        var about: String
    }

    static func html(material: ExportMaterial, lab: Lab, password: String, files: [Listed]) -> String {
        let name = material.name
        let description = CertificateDescription(material.leaf)
        let cn = description.commonName ?? name
        var page = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape("Kit of \(name): \(lab.name)"))</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 52em; margin: 2em auto; padding: 0 1em; line-height: 1.45; }
            pre { background: #f4f4f4; padding: .6em .8em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
            code, pre { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: .92em; }
            table { border-collapse: collapse; } td, th { text-align: left; vertical-align: top; padding: .15em .8em .15em 0; }
            .password { font-size: 1.3em; font-weight: bold; letter-spacing: .05em; }
            </style>
            </head>
            <body>
            <h1>\(escape(name))</h1>
            <p>Your identity in the mutual-TLS lab <b>\(escape(lab.name))</b>. Keep the key files to yourself.</p>
            <table>
            <tr><th>Common name (CN)</th><td><code>\(escape(cn))</code></td></tr>
            <tr><th>Serial</th><td><code>\(escape(Exporter.serialText(material.leaf.serialNumber)))</code></td></tr>
            <tr><th>SHA-256 fingerprint</th><td><code>\(escape(colonHex(description.fingerprintSHA256)))</code></td></tr>
            <tr><th>Key</th><td>\(escape(description.key))</td></tr>
            <tr><th>Issued by</th><td>\(escape(material.leaf.issuer.commonName ?? "\(material.leaf.issuer)"))</td></tr>
            <tr><th>Valid until</th><td>\(escape(LabDate.humanWithTime(material.leaf.notValidAfter)))</td></tr>
            <tr><th>Password of \(escape(name)).p12</th><td class="password"><code>\(escape(password))</code></td></tr>
            </table>

            <h2>The files</h2>
            <table>

            """
        for file in files { page += "<tr><td><code>\(escape(file.name))</code></td><td>\(escape(file.about))</td></tr>\n" }
        page += "</table>\n\n<h2>Try it</h2>\n<p>Run these in the folder you unzipped (<code>cd \(escape(name))</code>).</p>\n"
        for (title, command, note) in commands(material: material, lab: lab, password: password) {
            page += "<h3>\(escape(title))</h3>\n<pre>\(escape(command))</pre>\n"
            if let note { page += "<p>\(escape(note))</p>\n" }
        }
        page += "<p><small>Made by pkilab workshop kits.</small></p>\n</body>\n</html>\n"
        return page
    }

    /// The copy-paste commands for the lab's echo, HTTPS and MQTT endpoints, and for the PKCS#12 file.
    static func commands(material: ExportMaterial, lab: Lab, password: String) -> [(String, String, String?)] {
        let name = material.name
        let host = material.host
        let urlHost = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        let key = "\(name).key.pem"
        let endpoints = lab.endpoints.filter { $0.zoo == nil && !$0.isPlainMQTT }
        var result: [(String, String, String?)] = []
        if endpoints.contains(where: { $0.kind == .https }) {
            result.append(("HTTPS: who does the server think you are?",
                           "curl --cacert ca.pem --cert chain.pem --key \(key) https://\(urlHost):\(material.httpsPort)/whoami",
                           "Without --cert the server refuses you: that is mutual TLS."))
        }
        if endpoints.contains(where: { $0.kind == .echo }) {
            result.append(("TLS echo: type a line, it comes back (Ctrl-C ends it)",
                           "openssl s_client -connect \(urlHost):\(material.echoPort) -CAfile ca.pem -cert \(name).crt.pem -cert_chain chain.pem -key \(key) -verify_return_error -quiet",
                           nil))
        }
        if let mqtt = endpoints.first(where: { $0.kind == .mqtt }) {
            let topic = lab.exampleTopic(for: name)
            let filter = topic.split(separator: "/").dropLast().joined(separator: "/") + "/#"
            let tls = "-h \(host) -p \(material.mqttPort) --cafile ca.pem --cert chain.pem --key \(key)"
            let aws = mqtt.mqtt.behaviour == .aws
            result.append(("MQTT: subscribe (one terminal)",
                           "mosquitto_sub \(tls) -i \(name)\(aws ? "" : "-sub") -t '\(filter)' -v",
                           aws ? "This broker behaves like AWS IoT: the client id must be \(name), and a second connection with it closes the first." : nil))
            result.append(("MQTT: publish (another terminal)",
                           "mosquitto_pub \(tls) -i \(name) -t '\(topic)' -m 'hello from \(name)' -q 1",
                           "The lab's policy lets \(name) use \(topic)."))
        }
        if let python = pythonSnippet(material: material, endpoints: endpoints, urlHost: urlHost) {
            result.append(("Python ssl", python, nil))
        }
        result.append(("The PKCS#12 file (browsers, Java, Android, macOS)",
                       "openssl pkcs12 -in \(name).p12 -passin pass:\(password) -nokeys -info\nkeytool -list -keystore \(name).p12 -storetype PKCS12 -storepass \(password)",
                       "Import \(name).p12 into a browser with the password above, and trust ca.pem, to open https://\(urlHost):\(material.httpsPort)/ as \(name)."))
        return result
    }

    /// A Python `ssl` client: to the echo when the lab has one, else a GET of `/whoami`.
    static func pythonSnippet(material: ExportMaterial, endpoints: [EndpointSpec], urlHost: String) -> String? {
        let name = material.name
        let host = material.host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let hasEcho = endpoints.contains { $0.kind == .echo }
        guard hasEcho || endpoints.contains(where: { $0.kind == .https }) else { return nil }
        let port = hasEcho ? material.echoPort : material.httpsPort
        let request = hasEcho ? "b\"hello from \(name)\\n\"" : "b\"GET /whoami HTTP/1.1\\r\\nHost: \(urlHost)\\r\\nConnection: close\\r\\n\\r\\n\""
        return """
            python3 - <<'PY'
            import socket, ssl
            context = ssl.create_default_context(cafile="ca.pem")
            context.load_cert_chain("chain.pem", "\(name).key.pem")
            with socket.create_connection(("\(host)", \(port))) as raw:
                with context.wrap_socket(raw, server_hostname="\(host)") as tls:
                    tls.sendall(\(request))
                    print(tls.recv(4096).decode())
            PY
            """
    }

    /// `ab12cd…` as `openssl x509 -fingerprint` and browsers show it: `AB:12:CD:…`.
    static func colonHex(_ hex: String) -> String {
        var pairs: [String] = []
        var rest = Substring(hex.uppercased())
        while !rest.isEmpty {
            pairs.append(String(rest.prefix(2)))
            rest = rest.dropFirst(2)
        }
        return pairs.joined(separator: ":")
    }

    /// `text` safe inside HTML text and attribute values.
    static func escape(_ text: String) -> String {
        MarkupText.escaped(text)
    }
}
