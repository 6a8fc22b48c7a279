#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One name a certificate is valid for, as it goes into the subjectAltName extension.
public enum CertificateName: Sendable, Hashable, CustomStringConvertible {
    /// A DNS name, possibly a wildcard such as `*.lab.test` (one label deep, as X.509 matching is).
    case dns(String)
    /// An IPv4 (4 bytes) or IPv6 (16 bytes) address, with the text it was written as.
    case ip(bytes: [UInt8], text: String)
    /// A URI such as `urn:pkilab:demo:device-001` or `spiffe://lab/device`.
    case uri(String)
    /// An e-mail address (rfc822Name).
    case email(String)

    /// The name the way `openssl x509 -text` prints it: `DNS:localhost`, `IP:127.0.0.1`.
    public var description: String {
        switch self {
        case .dns(let name): "DNS:\(name)"
        case .ip(_, let text): "IP:\(text)"
        case .uri(let uri): "URI:\(uri)"
        case .email(let email): "email:\(email)"
        }
    }

    /// The bare value without the kind prefix.
    public var value: String {
        switch self {
        case .dns(let v), .uri(let v), .email(let v): v
        case .ip(_, let text): text
        }
    }

    public var isIPv4: Bool {
        if case .ip(let bytes, _) = self { return bytes.count == 4 }
        return false
    }

    /// Why a piece of text is not a valid name.
    public struct ParseFailure: Error, Sendable, Hashable {
        public var message: String
        public var hint: String
    }

    /// Reads a name from `lab.yaml`: an IP address, an e-mail address (has `@`), a URI (has `://` or starts
    /// with `urn:`), or else a DNS name. A `dns:`, `ip:`, `uri:` or `email:` prefix forces the kind.
    public static func parse(_ raw: String) -> Result<CertificateName, ParseFailure> {
        let text = raw.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else {
            return .failure(.init(message: "a name cannot be empty", hint: "remove the entry or write a DNS name such as device.lab.test"))
        }
        let lower = text.lowercased()
        for (prefix, kind) in [("dns:", 0), ("ip:", 1), ("uri:", 2), ("email:", 3)] where lower.hasPrefix(prefix) {
            let rest = String(text.dropFirst(prefix.count))
            switch kind {
            case 0: return parseDNS(rest)
            case 1: return parseIP(rest).map { .success($0) } ?? .failure(notAnIP(rest))
            case 2: return parseURI(rest)
            default: return parseEmail(rest)
            }
        }
        if let ip = parseIP(text) { return .success(ip) }
        if text.contains("@") && !text.contains("://") { return parseEmail(text) }
        if text.contains("://") || lower.hasPrefix("urn:") { return parseURI(text) }
        // Looks like an IPv4 address but is not one (192.168.1.300): say so rather than call it a DNS name.
        if text.allSatisfy({ $0.isNumber || $0 == "." }) || (text.contains(":") && text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." })) {
            return .failure(notAnIP(text))
        }
        return parseDNS(text)
    }

    private static func notAnIP(_ text: String) -> ParseFailure {
        .init(message: "\"\(text)\" is not an IP address", hint: "IP names look like 192.168.1.30 or fd00::1; DNS names like sensor-01.lab.test or *.lab.test")
    }

    /// Parses an IPv4 or IPv6 literal with `inet_pton`.
    public static func parseIP(_ text: String) -> CertificateName? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            let bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return .ip(bytes: bytes, text: text)
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            let bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return .ip(bytes: bytes, text: text)
        }
        return nil
    }

    private static func parseDNS(_ text: String) -> Result<CertificateName, ParseFailure> {
        let name = text.lowercased().hasSuffix(".") ? String(text.dropLast()) : text
        let hint = "DNS names look like localhost, sensor-01.lab.test or *.lab.test (a wildcard only as the whole first label)"
        guard name.utf8.count <= 253 else {
            return .failure(.init(message: "\"\(text)\" is longer than the 253 characters a DNS name may have", hint: hint))
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for (index, label) in labels.enumerated() {
            if label == "*" {
                guard index == 0, labels.count >= 3 else {
                    return .failure(.init(message: "\"\(text)\" has a wildcard that no client will match", hint: "write it as the whole first label of a name with at least two more labels, e.g. *.lab.test"))
                }
                continue
            }
            guard !label.isEmpty, label.utf8.count <= 63 else {
                return .failure(.init(message: "\"\(text)\" is not a valid DNS name (empty or over-long label)", hint: hint))
            }
            let ok = label.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2D || $0 == 0x5F }
            guard ok, label.first != "-", label.last != "-" else {
                return .failure(.init(message: "\"\(text)\" is not a valid DNS name (\"\(label)\" may hold only letters, digits and inner hyphens)", hint: hint))
            }
        }
        if labels.count > 1, let last = labels.last, last.allSatisfy(\.isNumber) {
            return .failure(.init(message: "\"\(text)\" is not a valid DNS name (its last label is a number)", hint: hint))
        }
        return .success(.dns(name.lowercased()))
    }

    private static func parseURI(_ text: String) -> Result<CertificateName, ParseFailure> {
        let hint = "URIs look like spiffe://lab.test/device-001 or urn:pkilab:device-001"
        if let bad = LabText.firstNonIA5(in: text) {
            return .failure(.init(message: "the URI holds \(LabText.describe(bad)); a URI name is ASCII without spaces (an IA5String)",
                                  hint: "percent-encode anything else (%C3%BC for ü), e.g. urn:pkilab:k%C3%BCche"))
        }
        guard text.count <= LabText.maxURI else {
            return .failure(.init(message: "the URI is longer than the \(LabText.maxURI) characters pkilab allows", hint: "shorten it; devices keep certificates in a few kilobytes"))
        }
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
            return .failure(.init(message: "\"\(text)\" is not a URI (no scheme)", hint: hint))
        }
        let scheme = text[..<colon]
        guard scheme.first!.isLetter, scheme.allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) }),
              text.index(after: colon) < text.endIndex, !text.contains(" ") else {
            return .failure(.init(message: "\"\(text)\" is not a valid URI", hint: hint))
        }
        return .success(.uri(text))
    }

    private static func parseEmail(_ text: String) -> Result<CertificateName, ParseFailure> {
        if let bad = LabText.firstNonIA5(in: text) {
            return .failure(.init(message: "the e-mail address holds \(LabText.describe(bad)); an e-mail name is ASCII (an IA5String)",
                                  hint: "write it like ops@lab.test (internationalised addresses are not supported in certificates here)"))
        }
        guard text.count <= LabText.maxEmail else {
            return .failure(.init(message: "the e-mail address is longer than the \(LabText.maxEmail) characters an address may have", hint: "shorten it"))
        }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, case .success = parseDNS(String(parts[1])), !text.contains(" ") else {
            return .failure(.init(message: "\"\(text)\" is not a valid e-mail address", hint: "e-mail names look like ops@lab.test"))
        }
        return .success(.email(text))
    }
}

import Foundation
