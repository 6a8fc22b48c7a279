import AWSIoT
import Foundation
import MQTTBroker
import PKILab
import SwiftASN1
import X509

/// Makes the broker's ``IoTTwin`` from a lab's `aws_iot:` section: each registered certificate read from the store
/// (its id is the SHA-256 of its DER, as AWS IoT's; its subject and issuer feed the certificate policy variables),
/// the things, the shadows and jobs saved by earlier runs, the lab clock, and pre-signing through the OTA object store.
public enum IoTTwinFactory {
    static func make(lab: Lab, store: LabStore, ota: OTAService?, clock: ClockOffset) throws -> IoTTwin? {
        guard let spec = lab.awsIoT else { return nil }
        var principals: [String: IoTTwin.Principal] = [:]
        var ids: [String: String] = [:]
        for record in spec.certificates {
            let certificate = try certificateContext(of: record.identity, in: store)
            ids[record.identity] = certificate.id
            let evaluator = IoTPolicyEvaluator(policies: spec.policies(of: record.identity), region: spec.region, account: spec.account)
            principals[certificate.id] = IoTTwin.Principal(identity: record.identity, certificateID: certificate.id, status: record.status,
                                                           policyNames: record.policies, evaluator: evaluator, certificate: certificate)
        }
        var things: [String: IoTTwin.Thing] = [:]
        for thing in spec.things {
            things[thing.name] = IoTTwin.Thing(name: thing.name, typeName: thing.typeName, attributes: thing.attributes,
                                               principals: Set(thing.certificates.compactMap { ids[$0] }))
        }
        let state = try store.awsIoTState()
        return IoTTwin(region: spec.region, account: spec.account, principals: principals, things: things, shadows: state.shadows, jobs: state.jobs,
                       presign: { url in presign(url, ota: ota) }, clock: { Int64(clock.now.timeIntervalSince1970 * 1000) })
    }

    /// What `${iot:Certificate.…}` reads of the lab certificate `identity`, from the store (its id is the SHA-256 of its DER).
    public static func certificateContext(of identity: String, in store: LabStore) throws -> IoTCertificateContext {
        let path = "\(store.directory.certificatesFolder)/\(identity)/cert.pem"
        guard let pem = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw StoreError(.notFound, "\(path) cannot be read, so the AWS IoT twin cannot know \(identity)'s certificate", hint: "run pkilab issue")
        }
        let certificate = try Certificate(pemEncoded: pem)
        let description = CertificateDescription(certificate)
        return context(of: certificate, id: IoTTwin.certificateID(description.fingerprintSHA256), names: description.names)
    }

    /// What `${iot:Certificate.…}` reads of a certificate.
    static func context(of certificate: Certificate, id: String, names: [String]) -> IoTCertificateContext {
        func attributes(_ name: DistinguishedName) -> [IoTCertificateContext.Attribute] {
            name.flatMap { $0 }.compactMap { attribute in
                attributeNames[attribute.type].map { IoTCertificateContext.Attribute($0, String(describing: attribute.value)) }
            }
        }
        func prefixed(_ prefix: String) -> [String] { names.filter { $0.hasPrefix(prefix) }.map { String($0.dropFirst(prefix.count)) } }
        let alternatives = IoTCertificateContext.AlternativeNames(dnsNames: prefixed("DNS:"), ipAddresses: prefixed("IP:"),
                                                                  uniformResourceIdentifiers: prefixed("URI:"), rfc822Names: prefixed("email:"))
        let serial = certificate.serialNumber.bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return IoTCertificateContext(id: id, subject: attributes(certificate.subject), issuer: attributes(certificate.issuer), serialNumber: serial,
                                     subjectAlternativeNames: alternatives)
    }

    /// AWS IoT's names of the distinguished-name attributes its certificate variables know.
    static let attributeNames: [ASN1ObjectIdentifier: String] = [
        .RDNAttributeType.commonName: "CommonName", .RDNAttributeType.organizationName: "Organization",
        .RDNAttributeType.organizationalUnitName: "OrganizationalUnit", .RDNAttributeType.countryName: "Country",
        .RDNAttributeType.stateOrProvinceName: "State", .RDNAttributeType.localityName: "Locality",
        [2, 5, 4, 5]: "SerialNumber", [2, 5, 4, 12]: "Title", [2, 5, 4, 4]: "Surname", [2, 5, 4, 42]: "GivenName", [2, 5, 4, 43]: "Initials",
        [2, 5, 4, 65]: "Pseudonym", [2, 5, 4, 44]: "GenerationQualifier", [2, 5, 4, 46]: "DistinguishedNameQualifier",
    ]

    /// A job document's `${aws:iot:s3-presigned-url:URL}`: the URL's object key (the path after the bucket) pre-signed on
    /// the lab's object store, as AWS signs it with the job's role when the device fetches the document.
    static func presign(_ url: String, ota: OTAService?) -> String? {
        guard let ota, let parsed = URL(string: url) else { return nil }
        var parts = parsed.path.split(separator: "/").map(String.init)
        // Path-style (s3.REGION.amazonaws.com/BUCKET/KEY) carries the bucket first; virtual-hosted (BUCKET.s3…/KEY) does not.
        if parts.count > 1, !(parsed.host ?? "").contains(".s3") || (parsed.host ?? "").hasPrefix("s3") { parts.removeFirst() }
        guard !parts.isEmpty else { return nil }
        return ota.urlMaker.url(for: parts.joined(separator: "/"), now: ota.now).url
    }
}
