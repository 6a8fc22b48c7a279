import Foundation

extension StoredFiles {
    /// The chain a fleet member's devices share, one folder up (`fleet/FLEET/chain.pem`): a member's own folder holds
    /// only `cert.pem` and `key.pem`, so a fleet of a million devices does not hold a million copies of the chain.
    /// Nil for a folder without a parent in its path (`.`, `device`).
    public var sharedFleetChain: String? {
        guard let slash = folder.lastIndex(of: "/"), slash != folder.startIndex else { return nil }
        return StoredFiles(folder: String(folder[..<slash])).chain
    }

    /// The files that hold the certificate followed by its chain, as the store keeps them: `fullchain.pem` for a
    /// lab certificate, `cert.pem` and the fleet's shared `chain.pem` for a fleet member.
    public var presentedChainFiles: [String] {
        let manager = FileManager.default
        if manager.fileExists(atPath: fullchain) { return [fullchain] }
        guard let shared = sharedFleetChain, manager.fileExists(atPath: shared) else { return [certificate] }
        return [certificate, shared]
    }

    /// The files of this certificate that exist, in the order `pkilab show` lists them: cert, key, chain, fullchain,
    /// or a fleet member's cert, key and the fleet's shared chain.
    public var existingFiles: [String] {
        let manager = FileManager.default
        let own = [certificate, key, chain, fullchain].filter { manager.fileExists(atPath: $0) }
        guard !manager.fileExists(atPath: fullchain), !manager.fileExists(atPath: chain),
              let shared = sharedFleetChain, manager.fileExists(atPath: shared) else { return own }
        return own + [shared]
    }
}
