import ArgumentParser
import Foundation
import PKILab

struct Events: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Read the connection events of the lab's endpoints (ca/events.jsonl).")

    @OptionGroup var options: LabOptions

    @Flag(help: "Keep printing events as they arrive.")
    var follow = false

    @Flag(help: "Print the events as JSON lines.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let path = "\(options.storePath)/events.jsonl"
            var offset: UInt64 = 0
            if !FileManager.default.fileExists(atPath: path) && !follow {
                Console.out("No events yet: \"\(Console.path(path))\" appears once \"pkilab up\" has seen a connection.")
                return
            }
            repeat {
                if let handle = FileHandle(forReadingAtPath: path) {
                    try? handle.seek(toOffset: offset)
                    let data = handle.readDataToEndOfFile()
                    try? handle.close()
                    if let end = data.lastIndex(of: 0x0A) {
                        let complete = data[data.startIndex...end]
                        offset += UInt64(complete.count)
                        for line in String(decoding: complete, as: UTF8.self).split(separator: "\n") {
                            if json {
                                Console.out(String(line))
                            } else if let event = ConnectionEvent.decode(jsonLine: String(line)) {
                                Console.out(EventPrinter.line(event))
                            }
                        }
                    }
                }
                if follow {
                    fflush(nil)
                    try await Task.sleep(nanoseconds: 200_000_000)
                }
            } while follow
        }
    }
}
