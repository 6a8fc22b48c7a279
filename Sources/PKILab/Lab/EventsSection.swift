/// Reads `events: { max_size: 10MiB, keep: 5 }`: how `ca/events.jsonl` rotates.
enum EventsSection {
    static func read(_ node: LabNode) throws(LabFileError) -> EventRotation {
        var rotation = EventRotation.standard
        for (key, value) in try node.mapping(allowed: LabBuilder.eventsKeys, what: "the event log's rotation") {
            switch key {
            case "max_size":
                let text = try value.string(what: "a size")
                guard let bytes = EventRotation.parseSize(text) else {
                    throw value.error(.invalidValue, "\"\(text)\" is not a size", hint: "write it like 10MiB, 512KiB or 1048576 (bytes)")
                }
                guard bytes >= EventRotation.minimumSize else {
                    throw value.error(.invalidValue, "max_size \(text) is under \(EventRotation.minimumSize) bytes, about one event",
                                      hint: "give at least 1KiB; the default is 10MiB")
                }
                rotation.maxSize = bytes
            default:
                rotation.keep = try value.int(what: "how many rotated event files to keep", range: 0...EventRotation.maximumKeep)
            }
        }
        return rotation
    }
}
