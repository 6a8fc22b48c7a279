import MQTTBroker
import MQTTCodec
import NIOCore

/// libFuzzer's entry point for the broker: the input is a script of up to four clients' byte streams (each
/// decoded as the server's decoder would), drops, keep-alive expiries and clock steps, played against one
/// broker with the default lab's policy. The broker must never crash, and every packet it sends must be valid
/// MQTT in the receiving connection's version (it encodes and decodes back to itself).
///
/// Script: repeated records of [op] [length] [bytes…]; op & 3 picks the connection, op >> 2: 0–4 bytes for it,
/// 5 drop it (and reopen), 6 its keep-alive runs out, 7 one minute passes. The first byte picks the listeners'
/// behaviours.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: start, count: count))
    guard let setup = bytes.first else { return 0 }
    let policy = BrokerPolicy(rules: [
        PolicyRule(effect: .allow, actions: [.publish, .subscribe], topics: ["devices/${cn}/#", "lab/#"]),
        PolicyRule(effect: .allow, actions: [.subscribe], topics: ["broadcast/#"]),
        PolicyRule(effect: .deny, actions: [.publish], topics: ["lab/secret/#"]),
    ])
    var core = BrokerCore(policy: setup & 0x80 == 0 ? policy : nil)
    var now = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
    var decoders: [MQTTDecoder] = []
    var buffers: [ByteBuffer] = []
    var ids: [ConnectionID] = []
    var next: UInt64 = 0
    func open(_ slot: Int) {
        next += 1
        let behaviour: BrokerBehaviour = (setup >> slot) & 1 == 0 ? .mosquitto : .aws
        let name = "device-00\(slot % 2 + 1)"
        core.open(ConnectionID(next), listener: BrokerConfiguration(behaviour: behaviour),
                  identity: ClientIdentity(name: name, commonName: name, subject: "CN=\(name)"), peer: "fuzz")
        if slot < ids.count {
            ids[slot] = ConnectionID(next)
            decoders[slot] = MQTTDecoder(maximumPacketSize: 1 << 20)
            buffers[slot] = ByteBuffer()
        } else {
            ids.append(ConnectionID(next))
            decoders.append(MQTTDecoder(maximumPacketSize: 1 << 20))
            buffers.append(ByteBuffer())
        }
    }
    for slot in 0..<4 { open(slot) }

    func check(_ actions: [BrokerAction]) {
        for action in actions {
            guard case .send(let id, let packet) = action else { continue }
            let version = core.protocolVersion(id)
            var encoded = ByteBuffer()
            packet.encode(into: &encoded, version: version)
            var copy = encoded
            // What the broker sends is decoded as a client would: CONNACK and friends in the connection's version.
            guard let decoded = try? MQTTPacket.decode(from: &copy, version: version), copy.readableBytes == 0 else {
                fatalError("the broker sent \(packet), which is not valid \(version)")
            }
            guard decoded == packet else { fatalError("\(packet) did not survive encode → decode in \(version)") }
        }
    }

    var index = 1
    var steps = 0
    while index + 1 < bytes.count && steps < 256 {
        let op = bytes[index], length = Int(bytes[index + 1])
        index += 2
        let slot = Int(op & 3)
        let id = ids[slot]
        steps += 1
        switch op >> 2 {
        case 0...4:
            let chunk = bytes[index..<min(bytes.count, index + length)]
            index += chunk.count
            buffers[slot].writeBytes(chunk)
            while true {
                do {
                    guard let packet = try decoders[slot].decode(buffer: &buffers[slot]) else { break }
                    check(core.receive(packet, from: id, now: now))
                } catch {
                    check(core.malformed(error, from: id, now: now))
                    check(core.connectionLost(id, detail: "fuzz", now: now))
                    open(slot)
                    break
                }
            }
        case 5:
            check(core.connectionLost(id, detail: "fuzz", now: now))
            open(slot)
        case 6:
            check(core.keepAliveExpired(id, now: now))
        default:
            now = now + .seconds(60)
            check(core.tick(now: now))
        }
    }
    return 0
}
