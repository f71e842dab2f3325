// StoreWriter: a test-only program that writes to a session store as fast as it can and prints
// one line per acknowledged operation, flushed at once, so a test that kills it (SIGKILL) knows
// exactly what the store promised before it died.
//
//     StoreWriter DIR RUN SEED [--durable|--buffered] [--operations N]
//
// Run RUN writes sessions named "r<RUN>-<i>". Operation k (0-based) is chosen by a PRNG seeded
// with SEED ^ RUN: a save of a new session of 1-6 messages, or an append of 1-3 messages to one
// of this run's sessions. Every message's content is a function of (RUN, session, position), so
// the test recomputes what each acknowledged line means. Output lines:
//     save <id> <messageCount>
//     append <id> <messageCountAfter>
// With --operations N it stops after N operations and exits 0; otherwise it runs until killed.
//
//     StoreWriter soak DIR SECONDS [TASKS]
//
// runs a mixed workload (see Soak.swift) and prints one JSON sample per second.
import AgentSessions
import Foundation
import TestSupport

let arguments = CommandLine.arguments
if arguments.count >= 4, arguments[1] == "soak", let seconds = Double(arguments[3]) {
    try await Soak.run(directory: arguments[2], seconds: seconds, tasks: arguments.count > 4 ? Int(arguments[4]) ?? 16 : 16)
    exit(0)
}
guard arguments.count >= 4, let run = Int(arguments[2]), let seed = UInt64(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: StoreWriter DIR RUN SEED [--durable|--buffered] [--operations N]\n".utf8))
    exit(2)
}
let durability: Durability = arguments.contains("--buffered") ? .buffered : .durable
let limit = arguments.firstIndex(of: "--operations").flatMap { Int(arguments[$0 + 1]) }

/// Writes one line to standard output at once (unbuffered), so a SIGKILL loses no acknowledgement.
func emit(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

var configuration = SessionStore.Configuration(directory: arguments[1], durability: durability)
configuration.cleanup = nil
configuration.checkpointBytes = 256 << 10  // small, so kills also land inside checkpoints
let store = try await SessionStore.start(configuration)
var random = SplitMix64(state: seed ^ UInt64(run))
var counts: [String: Int] = [:]
var names: [String] = []
var k = 0
while limit.map({ k < $0 }) ?? true {
    if names.isEmpty || random.below(3) == 0 {
        let id = "r\(run)-\(names.count)"
        let count = 1 + random.below(6)
        try await store.saveSession(id, messages: (0..<count).map { writerMessage(id, $0) }, tags: ["run\(run)", "w\(random.below(4))"])
        names.append(id)
        counts[id] = count
        emit("save \(id) \(count)")
    } else {
        let id = names[random.below(names.count)]
        let start = counts[id]!
        let extra = 1 + random.below(3)
        try await store.appendMessages(id, (start..<start + extra).map { writerMessage(id, $0) })
        counts[id] = start + extra
        emit("append \(id) \(start + extra)")
    }
    k += 1
}
await store.shutdown()
