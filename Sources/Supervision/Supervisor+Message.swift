extension Supervisor {
    /// What the mailbox loop processes, one at a time.
    enum Message: Sendable {
        case start(CheckedContinuation<Void, any Error>)
        case shutdown(CheckedContinuation<Void, Never>?)
        case exited(id: String, instance: UInt64, reason: ExitReason)
        case crashed(id: String, instance: UInt64, error: any Error)
        case restartDue(token: UInt64)
        case startChild(ChildSpec, CheckedContinuation<Void, any Error>)
        case terminateChild(String, CheckedContinuation<Void, any Error>)
        case restartChild(String, CheckedContinuation<Void, any Error>)
        case deleteChild(String, CheckedContinuation<Void, any Error>)
        case whichChildren(CheckedContinuation<[ChildInfo], Never>)
        case countChildren(CheckedContinuation<ChildCount, Never>)

        /// Answers a message that arrived after the supervisor terminated.
        func reject(supervisor: String) {
            let error = SupervisionError.notRunning(supervisor: supervisor)
            switch self {
            case .start(let reply), .startChild(_, let reply), .terminateChild(_, let reply),
                 .restartChild(_, let reply), .deleteChild(_, let reply):
                reply.resume(throwing: error)
            case .shutdown(let reply):
                reply?.resume()
            case .whichChildren(let reply):
                reply.resume(returning: [])
            case .countChildren(let reply):
                reply.resume(returning: .zero)
            case .exited, .crashed, .restartDue:
                break
            }
        }
    }
}
