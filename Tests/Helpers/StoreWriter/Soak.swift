import AgentSessions
import Foundation
import TestSupport
import Synchronization

/// A bounded, mixed workload at full speed: `tasks` tasks save, append, load, search, list and
/// delete over 400 session ids (so disk and memory use can level off), for `seconds`. Once a
/// second it prints `{"t":…,"rss_kb":…,"fds":…,"ops":…}` with this process's resident set and
/// open file descriptors, for `soak.sh` to check that neither grows after warm-up.
enum Soak {
    static func run(directory: String, seconds: Double, tasks: Int) async throws {
        var configuration = SessionStore.Configuration(directory: directory, durability: .buffered)
        configuration.cleanup = nil
        configuration.cacheBytes = 4 << 20  // small, so the cache is full within the warm-up
        configuration.checkpointBytes = 4 << 20
        let store = try await SessionStore.start(configuration)
        let operations = Counter()
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let pid = ProcessInfo.processInfo.processIdentifier
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<tasks {
                group.addTask {
                    var random = SplitMix64(state: UInt64(pid) &* 31 &+ UInt64(task))
                    while ContinuousClock.now < deadline {
                        let id = "soak-\(random.below(400))"
                        do {
                            switch random.below(10) {
                            case 0, 1: try await store.saveSession(id, messages: (0..<(1 + random.below(8))).map { writerMessage(id, $0) }, tags: ["t\(random.below(5))"])
                            case 2, 3: try await store.appendMessages(id, [writerMessage(id, random.below(100))])
                            case 4, 5: _ = try await store.loadSession(id)
                            case 6: _ = try await store.search(tags: ["t\(random.below(5))"], limit: 20)
                            case 7: _ = try await store.listSessions(limit: 50)
                            case 8: try await store.deleteSession(id)
                            default: _ = try await store.stats()
                            }
                        } catch StoreError.notFound {
                            // Another task (or process) deleted it first: expected.
                        }
                        operations.value.add(1, ordering: .relaxed)
                    }
                }
            }
            group.addTask {
                let start = ContinuousClock.now
                while ContinuousClock.now < deadline {
                    try await Task.sleep(for: .seconds(1))
                    let t = start.duration(to: .now).components.seconds
                    emit("{\"t\":\(t),\"rss_kb\":\(residentKB()),\"fds\":\(openDescriptors()),\"ops\":\(operations.value.load(ordering: .relaxed))}")
                }
            }
            try await group.waitForAll()
        }
        await store.shutdown()
    }

    final class Counter: Sendable { let value = Atomic<Int>(0) }

    /// VmRSS from /proc/self/status (Linux); 0 elsewhere.
    static func residentKB() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
        }
        return 0
    }

    /// Entries of /proc/self/fd (Linux); 0 elsewhere.
    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? 0
    }
}
