import Foundation
import PKILab

/// The HTTPS endpoint's `/` page: what the lab is, who the visitor is (the client certificate's name, serial,
/// SHA-256 fingerprint, key and issuer, or plainly that none was presented), what was negotiated, and links to the
/// routes.
///
/// It says "Mutual TLS worked" only when a client certificate was presented and verified: with
/// `client_auth: optional` a browser without one is let in, and the page then says that only the server was
/// authenticated, and how to present a certificate.
struct HTTPSHomePage {
    let lab: Lab
    let whoami: HTTPSRoutes.WhoAmI
    let clientAuth: EndpointSpec.ClientAuth
    /// Whether `/files/` serves a folder.
    let filesServed: Bool

    static func escape(_ text: String) -> String {
        MarkupText.escaped(text)
    }

    /// The sentence at the top: what this connection proved.
    var verdict: String {
        let negotiated = "TLS \(Self.escape(whoami.tlsVersion ?? "?")), \(Self.escape(whoami.cipher ?? "")), HTTP/\(whoami.httpVersion)"
        guard whoami.client != nil else {
            let why = clientAuth == .none ? "this endpoint asks for no client certificate" : "your client presented no certificate (this endpoint lets such clients in: client_auth: optional)"
            return "<p class=\"verdict one-way\"><strong>Server authentication only</strong>: you checked the lab's certificate, but the lab does not know who you are — \(why). \(negotiated).</p>"
        }
        return "<p class=\"verdict mutual\"><strong>Mutual TLS worked</strong>: you checked the lab's certificate and the lab checked yours. \(negotiated).</p>"
    }

    /// Who the visitor is, from the certificate the lab verified.
    var identity: String {
        guard let client = whoami.client else {
            return """
                <h2>Who you are</h2><p>No client certificate. With curl: <code>curl --cacert ca/root.pem --cert CERT.pem --key KEY.pem …</code>; in a browser, import an identity's .p12 (<code>pkilab export NAME --format p12</code>).</p>
                """
        }
        let names = client.names.isEmpty ? "" : "<dt>Names</dt><dd>\(Self.escape(client.names.joined(separator: ", ")))</dd>"
        let chain = client.chain.isEmpty ? "" : "<dt>Chain</dt><dd>\(Self.escape(client.chain.joined(separator: " → ")))</dd>"
        return """
            <h2>Who you are</h2>
            <dl>
            <dt>Subject</dt><dd><strong>\(Self.escape(client.commonName ?? client.subject))</strong> (\(Self.escape(client.subject)))</dd>
            <dt>Issuer</dt><dd>\(Self.escape(client.issuer))</dd>
            <dt>Serial</dt><dd><code>\(Self.escape(client.serial))</code></dd>
            <dt>SHA-256 fingerprint</dt><dd><code>\(Self.escape(client.fingerprintSHA256))</code></dd>
            <dt>Key</dt><dd>\(Self.escape(client.key ?? "unknown"))</dd>
            <dt>Valid until</dt><dd>\(LabDate.human(client.notAfter))</dd>
            \(names)\(chain)
            </dl>
            """
    }

    /// The routes, as links.
    var routes: String {
        var items = [
            "<li><a href=\"/whoami\">/whoami</a>: this connection as JSON (certificate, TLS version, ALPN, SNI)</li>",
            "<li><code>POST /echo</code>: sends the body back (<code>curl --data hello …/echo</code>)</li>",
            "<li><a href=\"/ca.pem\">/ca.pem</a>: the lab's trust anchor (never a key)</li>",
        ]
        items.append(filesServed ? "<li><a href=\"/files/\">/files/</a>: firmware images, with Range and ETag</li>"
                     : "<li><code>/files/</code>: not configured (add <code>files: firmware</code> under endpoints.https)</li>")
        if lab.ota != nil {
            items.append("<li><a href=\"/ota/manifest\">/ota/manifest</a>: the update a device would get, as JSON</li>")
            items.append("<li><a href=\"/ota/update\">/ota/update</a>: a redirect to the image's pre-signed URL on the object store</li>")
        }
        return "<h2>Routes</h2><ul>\(items.joined(separator: "\n"))</ul>"
    }

    var html: String {
        let notes = whoami.notes.map { "<li>\(Self.escape($0))</li>" }.joined()
        let authorities = lab.authorities.map { Self.escape($0.subject.commonName ?? $0.name) }.joined(separator: ", ")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>pkilab — \(Self.escape(lab.name))</title>
            <style>body{font:18px system-ui,sans-serif;max-width:50em;margin:2em auto;padding:0 1em;color:#111}code{background:#eee;padding:0 .2em}
            .verdict{padding:.5em .8em;border-left:.5em solid}.mutual{border-color:#0b6b2e;background:#e9f5ec}.one-way{border-color:#7a4d00;background:#fbf3e6}
            dt{font-weight:700}dd{margin:0 0 .4em 1em;word-break:break-all}</style></head>
            <body><h1>pkilab lab “\(Self.escape(lab.name))”</h1>
            <p>A private mutual-TLS lab on this machine, made by pkilab from <code>\(Self.escape(DisplayPath.relative(lab.file)))</code>: its own authorities (\(authorities)), server and device certificates, and test endpoints that check client certificates and say why they refuse one.</p>
            \(verdict)
            \(identity)
            \(notes.isEmpty ? "" : "<h2>Worth knowing</h2><ul>\(notes)</ul>")
            \(routes)
            </body></html>

            """
    }
}
