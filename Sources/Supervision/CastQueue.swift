/// Runs the casts sent to one instance, one at a time, in the order they were sent.
///
/// The first cast that throws crashes the instance; the casts still queued are dropped.
/// The queue is closed (and its task cancelled) when the instance stops.
final class CastQueue: Sendable {
    typealias Job = @Sendable (any SupervisedChild) async throws -> Void

    private let continuation: AsyncStream<Job>.Continuation
    private let task: Task<Void, Never>

    init(instance: PublishedInstance, counter: TaskCounter) {
        let (stream, continuation) = AsyncStream.makeStream(of: Job.self)
        self.continuation = continuation
        counter.increment()
        task = Task.detached {
            defer { counter.decrement() }
            for await job in stream {
                if Task.isCancelled { return }
                do {
                    try await job(instance.child)
                } catch {
                    if !Task.isCancelled { instance.crash(error) }
                    return
                }
            }
        }
    }

    func enqueue(_ job: @escaping Job) {
        continuation.yield(job)
    }

    func close() {
        continuation.finish()
        task.cancel()
    }
}
