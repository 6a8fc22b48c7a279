import Foundation
import PKILab
import X509

/// A certificate named on the command line: a file (PEM or DER), or the name of one in the lab.
struct CertificateArgument {
    var certificates: [Certificate]
    /// The lab name, when it was given by name or lives in the store.
    var name: String?
    var folder: String?

    init(_ argument: String, lab: Lab, store: LabStore) throws {
        if FileManager.default.fileExists(atPath: argument) {
            certificates = try CertificateFile.read(path: argument)
            folder = (argument as NSString).deletingLastPathComponent
        } else if argument.contains("/") || argument.hasSuffix(".pem") || argument.hasSuffix(".der") {
            throw StoreError(.notFound, "there is no file \"\(argument)\"", hint: "check the path; pkilab ls lists the lab's certificates")
        } else {
            let (folder, _) = try store.folder(of: argument, in: lab)
            let path = StoredFiles(folder: folder).certificate
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError(.notFound, "\"\(argument)\" is in \(lab.file) but has not been issued yet", hint: "run pkilab issue")
            }
            certificates = try CertificateFile.read(path: path)
            name = argument
            self.folder = folder
        }
    }
}
