import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A spawned agent process: its own process group, stdout as a pipe for the caller to read,
/// stderr drained into a bounded tail, stdin from `/dev/null`, and a thread that reaps it.
///
/// The process is the leader of a new process group, so ``terminate(gracePeriod:)`` signals
/// everything it started (the `claude` CLI runs tools as child processes): `SIGTERM` to the
/// group, then `SIGKILL` to the group if the leader has not exited within the grace period.
final class ChildProcess: Sendable {
    /// How a process ended.
    enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
    }

    let pid: pid_t
    /// The read end of the child's stdout (owned by this object; see ``closeOutput(after:)``).
    let outputDescriptor: Int32
    private let state = Mutex(State())
    private let stderrTail: StderrTail
    private let stderrDone = DispatchSemaphore(value: 0)

    private struct State {
        var termination: Termination?
        var waiters: [Int: CheckedContinuation<Termination?, Never>] = [:]
        var nextWaiter = 0
        var outputClosed = false
    }

    /// Spawns `path` with `arguments` (not including the program name).
    /// - Throws: the `errno` of the failed call, with its name.
    init(path: String, arguments: [String], environment: [String: String], workingDirectory: String?, stderrLimit: Int) throws(SpawnError) {
        let (child, output, errors) = try Self.spawnLock.withLock { _ throws(SpawnError) in
            try Self.spawn(path: path, arguments: arguments, environment: environment, workingDirectory: workingDirectory)
        }
        pid = child
        outputDescriptor = output
        stderrTail = StderrTail(limit: stderrLimit)
        startStderrReader(errors)
        startReaper()
    }

    /// Serialises pipe creation and spawning in this process: a pipe is marked close-on-exec
    /// before any other runner can spawn, so no agent inherits another run's pipe (which would
    /// keep that run's output open after its agent exits).
    private static let spawnLock = Mutex(())

    /// Creates the pipes and spawns; returns the pid, the stdout read end and the stderr read end.
    private static func spawn(
        path: String, arguments: [String], environment: [String: String], workingDirectory: String?
    ) throws(SpawnError) -> (pid_t, Int32, Int32) {
        var outPipe: [Int32] = [-1, -1]
        var errPipe: [Int32] = [-1, -1]
        guard Self.makePipe(&outPipe) else { throw SpawnError(call: "pipe", errno: errno) }
        guard Self.makePipe(&errPipe) else {
            let saved = errno
            close(outPipe[0]); close(outPipe[1])
            throw SpawnError(call: "pipe", errno: saved)
        }
        func closeAll() { for fd in outPipe + errPipe { close(fd) } }

        #if canImport(Glibc)
        var actions = posix_spawn_file_actions_t()
        var attributes = posix_spawnattr_t()
        #else
        var actions: posix_spawn_file_actions_t? = nil
        var attributes: posix_spawnattr_t? = nil
        #endif
        posix_spawn_file_actions_init(&actions)
        posix_spawnattr_init(&attributes)
        defer {
            posix_spawn_file_actions_destroy(&actions)
            posix_spawnattr_destroy(&attributes)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        // A new process group (so the whole tree can be signalled), default signal handling
        // (an ignored SIGPIPE in this process must not be inherited), and an empty signal mask.
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGTERM, SIGINT, SIGHUP] { sigaddset(&defaults, signal) }
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        // A working directory is entered by `/bin/sh`, which then `exec`s the program (same pid):
        // `posix_spawn_file_actions_addchdir_np` is not visible to Swift on every libc.
        let words = workingDirectory.map { ["/bin/sh", "-c", "cd -- \"$0\" && exec \"$@\"", $0, path] + arguments } ?? [path] + arguments
        let program = workingDirectory == nil ? path : "/bin/sh"
        let argv = words.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var child: pid_t = 0
        let status = posix_spawn(&child, program, &actions, &attributes, argv, envp)
        guard status == 0 else {
            closeAll()
            throw SpawnError(call: "posix_spawn", errno: status)
        }
        close(outPipe[1])
        close(errPipe[1])
        return (child, outPipe[0], errPipe[0])
    }

    private static func makePipe(_ fds: inout [Int32]) -> Bool {
        // `pipe2` is not visible to Swift on Glibc. Runners spawn under `spawnLock`, so none of
        // them inherits these descriptors before they are close-on-exec; code outside this
        // library that forks concurrently still could (and would delay our end of file).
        guard fds.withUnsafeMutableBufferPointer({ pipe($0.baseAddress!) }) == 0 else { return false }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return true
    }

    /// Reads stderr to its end on a dedicated thread, keeping the last bytes.
    private func startStderrReader(_ fd: Int32) {
        let tail = stderrTail
        let done = stderrDone
        Thread.detachNewThread {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if n > 0 {
                    tail.append(buffer[0..<n])
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            close(fd)
            done.signal()
        }
    }

    /// Waits for the process on a dedicated thread and wakes every waiter.
    private func startReaper() {
        let pid = self.pid
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 {
                if errno != EINTR {
                    status = 0x7F00  // cannot happen for our own child; report "exited 127"
                    break
                }
            }
            let termination: Termination = (status & 0x7F) == 0 ? .exited((status >> 8) & 0xFF) : .signaled(status & 0x7F)
            let waiters = state.withLock { state in
                state.termination = termination
                let waiters = state.waiters
                state.waiters = [:]
                return waiters
            }
            for waiter in waiters.values { waiter.resume(returning: termination) }
        }
    }

    /// A `Duration` as a dispatch interval (negative durations count as zero).
    private static func interval(_ duration: Duration) -> DispatchTimeInterval {
        .nanoseconds(max(0, Int(duration.components.seconds) * 1_000_000_000 + Int(duration.components.attoseconds / 1_000_000_000)))
    }

    /// How the process ended, if it has.
    var termination: Termination? { state.withLock { $0.termination } }


    /// Waits until the process ends or `timeout` passes (nil then). Not affected by task
    /// cancellation (it is used while cleaning up a cancelled run).
    func wait(timeout: Duration) async -> Termination? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Termination?, Never>) in
            let registered: Int? = state.withLock { state in
                if state.termination != nil { return nil }
                let id = state.nextWaiter
                state.nextWaiter += 1
                state.waiters[id] = continuation
                return id
            }
            guard let id = registered else {
                continuation.resume(returning: termination)
                return
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.interval(timeout)) { [self] in
                let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
                waiter?.resume(returning: nil)
            }
        }
    }

    /// Sends `signal` to the process group (and to the process itself, should it have left the group).
    func signal(_ signal: Int32) {
        guard termination == nil else {
            // The leader is gone; its children may still hold the group.
            _ = kill(-pid, signal)
            return
        }
        if kill(-pid, signal) != 0 { _ = kill(pid, signal) }
    }

    /// Terminates the process tree: `SIGTERM` to the group, then `SIGKILL` to the group when
    /// the process has not exited within `gracePeriod`; returns once it has been reaped
    /// (or after a further 5 s, which only a process stuck in the kernel can take).
    func terminate(gracePeriod: Duration) async {
        if termination == nil {
            signal(SIGTERM)
            if await wait(timeout: gracePeriod) == nil {
                signal(SIGKILL)
                _ = await wait(timeout: .seconds(5))
            }
        }
        // Children that outlived the leader (they ignore SIGTERM or were slow) go too.
        _ = kill(-pid, SIGKILL)
    }

    /// As ``terminate(gracePeriod:)`` without waiting: for a run abandoned by its consumer.
    func terminateDetached(gracePeriod: Duration) {
        guard termination == nil else { return }
        signal(SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + Self.interval(gracePeriod)) { [self] in
            if termination == nil { signal(SIGKILL) }
        }
    }

    /// Waits (up to `timeout`) for stderr to reach its end, then returns its last bytes as text.
    func stderrText(waiting timeout: Duration) async -> String {
        let done = stderrDone
        let interval = Self.interval(timeout)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                if done.wait(timeout: .now() + interval) == .success { done.signal() }
                continuation.resume()
            }
        }
        return stderrTail.text
    }

    /// Closes the stdout descriptor, at once or (when a read may still be pending on it, after
    /// a cancelled read) `delay` later, so that a read which has not yet started cannot hit a
    /// reused descriptor number. Idempotent.
    func closeOutput(after delay: Duration? = nil) {
        let first = state.withLock { state in
            defer { state.outputClosed = true }
            return !state.outputClosed
        }
        guard first else { return }
        let fd = outputDescriptor
        if let delay {
            DispatchQueue.global().asyncAfter(deadline: .now() + Self.interval(delay)) { close(fd) }
        } else {
            close(fd)
        }
    }

    /// A failed system call while spawning.
    struct SpawnError: Error {
        let call: String
        let errno: Int32
    }
}

/// The last `limit` bytes written to a child's stderr. Lock-protected by its `Mutex`.
final class StderrTail: Sendable {
    private let bytes = Mutex<[UInt8]>([])
    private let limit: Int

    init(limit: Int) { self.limit = max(0, limit) }

    func append(_ chunk: ArraySlice<UInt8>) {
        bytes.withLock { bytes in
            bytes.append(contentsOf: chunk)
            if bytes.count > limit { bytes.removeFirst(bytes.count - limit) }
        }
    }

    /// The tail as text, trimmed, invalid UTF-8 replaced.
    var text: String {
        String(decoding: bytes.withLock { $0 }, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
