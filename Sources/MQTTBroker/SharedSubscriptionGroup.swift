/// The sessions that hold one shared subscription, `$share/<ShareName>/<filter>`: each matching message goes to one
/// of them (MQTT 5.0 §4.8.2).
struct SharedSubscriptionGroup: Sendable {
    /// The topic filter after the prefix, which messages are matched against.
    let filter: TopicLevels
    /// How the member is picked: `mosquitto` in turn (round-robin, as Mosquitto 2), `aws` at random (as AWS IoT Core).
    /// Taken from the listener of the member that made the group.
    let choice: BrokerBehaviour
    /// Client ids of the member sessions, in the order they joined.
    var members: [String] = []
    /// Where the round-robin looks first for the next message.
    var next = 0

    init(filter: TopicLevels, choice: BrokerBehaviour) {
        self.filter = filter
        self.choice = choice
    }

    /// Adds a session once; subscribing again keeps its place in the turn.
    mutating func join(_ clientID: String) {
        if !members.contains(clientID) { members.append(clientID) }
    }

    /// Removes a session; the turn stays with the member that was next.
    mutating func leave(_ clientID: String) {
        guard let index = members.firstIndex(of: clientID) else { return }
        members.remove(at: index)
        if index < next { next -= 1 }
        if next >= members.count { next = 0 }
    }

    /// The member that gets the next message among `eligible` (a subset of ``members``), advancing the turn; nil when
    /// none is eligible.
    mutating func pick(among eligible: Set<String>, using generator: inout SeededGenerator) -> String? {
        guard !eligible.isEmpty, !members.isEmpty else { return nil }
        switch choice {
        case .aws:
            let candidates = members.filter(eligible.contains)
            guard !candidates.isEmpty else { return nil }
            return candidates[Int.random(in: 0..<candidates.count, using: &generator)]
        case .mosquitto:
            for step in 0..<members.count {
                let index = (next + step) % members.count
                if eligible.contains(members[index]) {
                    next = (index + 1) % members.count
                    return members[index]
                }
            }
            return nil
        }
    }
}
