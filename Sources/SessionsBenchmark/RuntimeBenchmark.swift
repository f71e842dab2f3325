import Foundation
import Supervision
import Synchronization

/// `sessions-bench runtime [--calls N] [--restarts N]`
///
/// Micro-benchmarks of the supervision runtime, one JSON line each on stdout:
/// - `runtime_call_direct`: `await actor.method()` on the instance, the floor a call can reach;
/// - `runtime_call`: the round trip of `ChildHandle.call` (find the running instance, run the body on it);
/// - `runtime_restart_call`: crash the child with a throwing `cast`, then time until `handle.call`
///   is served by the new instance (polling: a call that still reaches the old instance, or waits for
///   the new one, is part of the latency);
/// - `runtime_restart_event`: crash the same way and time until the `childRestarted` event arrives on
///   the supervisor's `events` stream.
/// Latencies in microseconds, p50/p99 by the nearest-rank rule, after a warm-up; `mean_ns` is the
/// loop's mean per call, since a call through the handle is well under the 0.1 µs resolution.
enum RuntimeBenchmark {
    struct Crash: Error {}

    /// Numbers its instances so a caller can tell a restarted instance from the old one.
    static let instances = Atomic<Int>(0)

    actor Echo: SupervisedChild {
        let serial: Int
        init() { serial = RuntimeBenchmark.instances.add(1, ordering: .relaxed).newValue }

        func run() async throws {
            while true { try await Task.sleep(for: .seconds(3600)) }  // until cancelled
        }

        func ping(_ x: Int) -> Int { x &+ serial }
        func identity() -> Int { serial }
    }

    static func main(_ arguments: [String]) async -> Int32 {
        func option(_ name: String, _ fallback: Int) -> Int {
            guard let i = arguments.firstIndex(of: name), i + 1 < arguments.count, let n = Int(arguments[i + 1]), n > 0 else { return fallback }
            return n
        }
        let calls = option("--calls", 100_000), restarts = option("--restarts", 1000)
        do {
            try await run(calls: calls, restarts: restarts)
            return 0
        } catch {
            Bench.log("sessions-bench runtime: FAILED: \(error)")
            return 1
        }
    }

    static func run(calls: Int, restarts: Int) async throws {
        let supervisor = Supervisor(
            name: "bench", strategy: .oneForOne, intensity: RestartIntensity(maxRestarts: 1_000_000, period: .seconds(1)),
            children: [.worker(id: "echo", restart: .permanent, shutdown: .timeout(.seconds(5))) { Echo() }])
        var events = supervisor.events.makeAsyncIterator()
        try await supervisor.start()
        let handle = supervisor.handle("echo", as: Echo.self)
        guard let first = handle.instance else { throw BenchError("no echo instance after start") }

        // Direct actor call (the floor).
        var sink = 0
        for i in 0..<min(calls, 10_000) { sink &+= await first.ping(i) }
        var direct = Latencies(capacity: calls)
        var start = Bench.clock.now
        for i in 0..<calls {
            let t0 = Bench.clock.now
            sink &+= await first.ping(i)
            direct.append(Bench.clock.now - t0)
        }
        emit("runtime_call_direct", &direct, seconds: Bench.seconds(Bench.clock.now - start))

        // Through the handle.
        for i in 0..<min(calls, 10_000) { sink &+= try await handle.call { await $0.ping(i) } }
        var viaHandle = Latencies(capacity: calls)
        start = Bench.clock.now
        for i in 0..<calls {
            let t0 = Bench.clock.now
            sink &+= try await handle.call { await $0.ping(i) }
            viaHandle.append(Bench.clock.now - t0)
        }
        emit("runtime_call", &viaHandle, seconds: Bench.seconds(Bench.clock.now - start))

        // Restart, observed by calls.
        var restartCall = Latencies(capacity: restarts)
        var stale = 0
        start = Bench.clock.now
        for _ in 0..<restarts {
            let old = try await handle.call { await $0.identity() }
            let t0 = Bench.clock.now
            guard handle.cast({ _ in throw Crash() }) else { throw BenchError("cast dropped: no running instance") }
            while true {
                let now = try await handle.call { await $0.identity() }
                if now != old { break }
                stale += 1
                await Task.yield()
            }
            restartCall.append(Bench.clock.now - t0)
        }
        emit("runtime_restart_call", &restartCall, seconds: Bench.seconds(Bench.clock.now - start), extra: ("stale_calls", stale))

        // Restart, observed on the events stream. Drain what the previous loop left first.
        var pendingRestarts = restarts  // one childRestarted per crash of the previous loop
        while pendingRestarts > 0 {
            guard let event = await events.next() else { throw BenchError("events stream ended") }
            if case .childRestarted = event { pendingRestarts -= 1 }
        }
        var restartEvent = Latencies(capacity: restarts)
        start = Bench.clock.now
        for _ in 0..<restarts {
            let t0 = Bench.clock.now
            guard handle.cast({ _ in throw Crash() }) else { throw BenchError("cast dropped: no running instance") }
            while true {
                guard let event = await events.next() else { throw BenchError("events stream ended") }
                if case .childRestarted(id: "echo", _) = event { break }
            }
            restartEvent.append(Bench.clock.now - t0)
            // The next cast needs a running instance: wait until the handle has one.
            _ = try await handle.call { await $0.identity() }
        }
        emit("runtime_restart_event", &restartEvent, seconds: Bench.seconds(Bench.clock.now - start))
        await supervisor.shutdown()
        if sink == 42 { Bench.log("") }
    }

    static func emit(_ op: String, _ latencies: inout Latencies, seconds: Double, extra: (String, Int)? = nil) {
        var line = OutputLine(impl: "swift-supervision", op: op)
        line.add("count", latencies.count)
        line.add("seconds", seconds, decimals: 6)
        line.add("per_sec", Double(latencies.count) / seconds, decimals: 1)
        line.add("p50_us", latencies.p(50), decimals: 1)
        line.add("p99_us", latencies.p(99), decimals: 1)
        // The loop's mean, for sub-0.1 µs calls (includes two clock reads per call, ~20-40 ns).
        line.add("mean_ns", seconds / Double(max(1, latencies.count)) * 1e9, decimals: 1)
        if let extra { line.add(extra.0, extra.1) }
        line.emit()
    }
}
