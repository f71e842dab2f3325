/// Any `Clock<Duration>`, erased so that the runtime's types need no generic parameter.
///
/// Time is read as the offset since the clock was erased.
struct ErasedClock: Sendable {
    private let elapsedBody: @Sendable () -> Duration
    private let sleepBody: @Sendable (Duration) async throws -> Void

    init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        elapsedBody = { origin.duration(to: clock.now) }
        sleepBody = { duration in
            try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil)
        }
    }

    /// Time since the clock was erased.
    var elapsed: Duration { elapsedBody() }

    /// Runs `action` after `delay` unless the returned task is cancelled first.
    func after(_ delay: Duration, counter: TaskCounter? = nil, _ action: @escaping @Sendable () -> Void) -> Task<Void, Never> {
        counter?.increment()
        return Task.detached { [sleepBody] in
            defer { counter?.decrement() }
            do { try await sleepBody(delay) } catch { return }
            if Task.isCancelled { return }
            action()
        }
    }
}
