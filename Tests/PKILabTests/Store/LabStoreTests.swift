import Foundation
import PKILab
import Testing

@Suite("The certificate store")
struct LabStoreTests {
    @Test("a second run with the same lab writes nothing: every file byte-identical, same modification times")
    func idempotent() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let lab = try TestLab.parse(TestLab.text())
            let store = LabStore(path: folder + "/ca")
            let first = try store.apply(lab)
            #expect(first.items.allSatisfy { $0.action == .created })
            let before = TestLab.snapshot(folder + "/ca")
            let times = try FileManager.default.attributesOfItem(atPath: folder + "/ca/index.json")[.modificationDate] as? Date
            let second = try store.apply(lab)
            #expect(!second.changed)
            #expect(TestLab.snapshot(folder + "/ca") == before)
            #expect(try FileManager.default.attributesOfItem(atPath: folder + "/ca/index.json")[.modificationDate] as? Date == times)
            #expect(Set(before.keys).isSuperset(of: ["root.pem", "index.json", "authorities/root/cert.pem", "authorities/root/key.pem",
                                                     "authorities/issuing/chain.pem", "certs/server/fullchain.pem", "certs/server/chain.pem",
                                                     "certs/device-001/key.pem"]))
        }
    }

    @Test("keys are 0600 and folders 0700")
    func permissions() async throws {
        try await TestLab.withTemporaryFolder { folder in
            _ = try LabStore(path: folder + "/ca").apply(try TestLab.parse(TestLab.text()))
            func mode(_ path: String) throws -> Int { try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue }
            #expect(try mode(folder + "/ca") == 0o700)
            #expect(try mode(folder + "/ca/certs/server") == 0o700)
            #expect(try mode(folder + "/ca/certs/server/key.pem") == 0o600)
            #expect(try mode(folder + "/ca/authorities/root/key.pem") == 0o600)
            #expect(try mode(folder + "/ca/certs/server/cert.pem") == 0o644)
        }
    }

    @Test("changing one leaf reissues that leaf alone and records the old serial as superseded")
    func reissueOne() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(try TestLab.parse(TestLab.text()))
            let before = TestLab.snapshot(folder + "/ca")
            let oldSerial = try #require(try store.index()?.entry(named: "server")?.serial)
            let edited = TestLab.text().replacingOccurrences(of: "\"*.lab.test\", ", with: "\"*.lab.test\", api.example.test, ")
            let report = try store.apply(try TestLab.parse(edited))
            #expect(report.items.filter { $0.action != .unchanged }.map(\.name) == ["server"])
            #expect(report.items.first { $0.name == "server" }?.action == .reissued)
            let after = TestLab.snapshot(folder + "/ca")
            let changed = Set(after.keys.filter { after[$0] != before[$0] })
            #expect(changed == ["certs/server/cert.pem", "certs/server/key.pem", "certs/server/fullchain.pem", "index.json"])
            let index = try #require(try store.index())
            let servers = index.entries.filter { $0.name == "server" }
            #expect(servers.count == 2)
            #expect(servers[0].serial == oldSerial && servers[0].state == .superseded && servers[0].supersededAt != nil)
            #expect(servers[1].state == .active)
        }
    }

    @Test("an authority's key or subject is never replaced without force; with force, everything below follows")
    func authorityRefusal() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(try TestLab.parse(TestLab.text()))
            let before = TestLab.snapshot(folder + "/ca")
            for edit in [TestLab.text().replacingOccurrences(of: "CN: Test Issuing", with: "CN: Renamed"),
                         TestLab.text().replacingOccurrences(of: "issuing: { parent: root,", with: "issuing: { parent: root, key: rsa-2048,")] {
                #expect {
                    try store.apply(try TestLab.parse(edit))
                } throws: { error in
                    (error as? StoreError)?.code == .authorityChangeRefused && (error as? StoreError)?.message.contains("issuing") == true
                }
                #expect(TestLab.snapshot(folder + "/ca") == before, "a refused run writes nothing")
            }
            let forced = try store.apply(try TestLab.parse(TestLab.text().replacingOccurrences(of: "CN: Test Issuing", with: "CN: Renamed")), force: true)
            #expect(forced.items.first { $0.name == "issuing" }?.action == .reissued)
            #expect(forced.items.first { $0.name == "root" }?.action == .unchanged)
            #expect(forced.items.filter { $0.kind == .leaf }.allSatisfy { $0.action == .resigned })
        }
    }

    @Test("a validity change re-signs an authority with the same key, and its leaves stay as they are")
    func resignAuthority() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(try TestLab.parse(TestLab.text()))
            let oldKey = FileManager.default.contents(atPath: folder + "/ca/authorities/issuing/key.pem")
            let report = try store.apply(try TestLab.parse(TestLab.text().replacingOccurrences(of: "validity: 10y", with: "validity: 9y")))
            #expect(report.items.first { $0.name == "issuing" }?.action == .resigned)
            #expect(report.items.filter { $0.kind == .leaf }.allSatisfy { $0.action == .unchanged })
            #expect(FileManager.default.contents(atPath: folder + "/ca/authorities/issuing/key.pem") == oldKey)
        }
    }

    @Test("a missing certificate is completed with the key that is already there")
    func repair() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(try TestLab.parse(TestLab.text()))
            let key = FileManager.default.contents(atPath: folder + "/ca/certs/device-001/key.pem")
            try FileManager.default.removeItem(atPath: folder + "/ca/certs/device-001/cert.pem")
            try FileManager.default.removeItem(atPath: folder + "/ca/certs/server/fullchain.pem")
            let report = try store.apply(try TestLab.parse(TestLab.text()))
            #expect(report.items.first { $0.name == "device-001" }?.action == .repaired)
            #expect(FileManager.default.contents(atPath: folder + "/ca/certs/device-001/key.pem") == key)
            #expect(FileManager.default.fileExists(atPath: folder + "/ca/certs/server/fullchain.pem"))
            #expect(!(try store.apply(try TestLab.parse(TestLab.text())).changed))
        }
    }

    @Test("pending index entries whose files landed are promoted; those that did not are dropped")
    func pendingEntries() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let store = LabStore(path: folder + "/ca")
            _ = try store.apply(try TestLab.parse(TestLab.text()))
            var index = try #require(try store.index())
            // As if the run had stopped after moving the files but before marking them active,
            // and another certificate's files had never landed.
            let landed = index.entries.firstIndex { $0.name == "server" }!
            index.entries[landed].state = .pending
            var ghost = index.entries[landed]
            ghost.name = "device-001"
            ghost.fingerprintSHA256 = String(repeating: "0", count: 64)
            index.entries.append(ghost)
            try Data(index.encoded()).write(to: URL(fileURLWithPath: folder + "/ca/index.json"))
            let report = try store.apply(try TestLab.parse(TestLab.text()))
            #expect(!report.changed, "no certificate was reissued")
            let repaired = try #require(try store.index())
            #expect(repaired.entries.allSatisfy { $0.state == .active })
            #expect(repaired.entries.count == 4)
        }
    }

    @Test("a fleet is issued once; running it again writes nothing")
    func fleet() async throws {
        try await TestLab.withTemporaryFolder { folder in
            let lab = try TestLab.parse(TestLab.text())
            let store = LabStore(path: folder + "/ca")
            let fleet = FleetSpec(name: "sensor", count: 25, issuer: "issuing", key: .ecP256,
                                  validity: ValiditySpec(duration: LabDuration(parsing: "90d"), skew: LabDuration(parsing: "1h")!))
            #expect(fleet.memberNames.first == "sensor-0001" && fleet.memberNames.last == "sensor-0025")
            let first = try store.apply(lab, fleets: [fleet])
            #expect(first.items.filter { $0.fleet == "sensor" && $0.action == .created }.count == 25)
            #expect(FileManager.default.fileExists(atPath: folder + "/ca/fleet/sensor/sensor-0025/key.pem"))
            #expect(FileManager.default.fileExists(atPath: folder + "/ca/fleet/sensor/chain.pem"))
            let before = TestLab.snapshot(folder + "/ca")
            #expect(!(try store.apply(lab, fleets: [fleet]).changed))
            #expect(!(try store.apply(lab).changed), "issue leaves the fleet alone")
            #expect(TestLab.snapshot(folder + "/ca") == before)
            let rows = try store.inventory(of: lab)
            #expect(rows.last?.role == "fleet" && rows.last?.members == 25)
        }
    }
}
