import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Messages read incrementally from a file descriptor, a `FileHandle` or a pipe,
/// as an `AsyncSequence`: a live agent process can be consumed while it writes.
///
/// Each message is yielded as soon as its line is complete. Lines end with `\n`
/// or `\r\n`; a last line without a newline is read at end of file. Blank lines
/// are skipped in both modes (they count for line numbers). A line holding a JSON
/// array of objects yields each object (the one-line form of
/// `--output-format json`; a pretty-printed document spanning several lines is
/// not a stream: read it whole with ``MessageReader``).
///
/// Bad lines:
/// - ``MessageParsingMode/strict``: `next()` throws
///   ``MessageStreamError/badLine(lineNumber:reason:)`` and the sequence ends
///   (later calls return nil).
/// - ``MessageParsingMode/lenient``: the line is skipped, reported to the
///   `onBadLine` handler (called synchronously from `next()`, in order, before the
///   following message is yielded) and the sequence goes on.
///
/// A line longer than ``Configuration/maximumLineLength`` is a bad line with
/// reason ``MessageError/lineTooLong(limit:)``: its bytes are discarded up to the
/// next newline rather than held in memory.
///
/// Reads are blocking `read(2)` calls made on a private dispatch queue, never on
/// the Swift concurrency pool. **Cancellation:** when the iterating task is
/// cancelled, `next()` returns nil promptly, even while a read is waiting for
/// data; that pending read is abandoned (its bytes, if any arrive, are dropped)
/// and its dispatch thread stays blocked until the writer writes or closes. The
/// descriptor is never closed by the stream; its owner closes it.
///
/// Iterate a given stream value once; each iterator reads from the same
/// descriptor, so two concurrent iterators would interleave.
public struct MessageStream: AsyncSequence, Sendable {
    /// Each element is one message.
    public typealias Element = Message
    /// The error type of `next()`.
    public typealias Failure = MessageStreamError

    /// Settings of an incremental reader.
    public struct Configuration: Sendable {
        /// Strict or lenient handling of bad lines. Default: lenient.
        public var mode: MessageParsingMode
        /// The longest line kept in memory, in bytes. Default: 256 MiB.
        public var maximumLineLength: Int
        /// Bytes requested per `read(2)`. Default: 64 KiB.
        public var readSize: Int

        /// Creates a configuration.
        ///
        /// - Parameters:
        ///   - mode: Strict or lenient handling of bad lines.
        ///   - maximumLineLength: The longest line kept in memory, in bytes.
        ///   - readSize: Bytes requested per read.
        public init(mode: MessageParsingMode = .lenient, maximumLineLength: Int = 256 << 20, readSize: Int = 64 << 10) {
            self.mode = mode
            self.maximumLineLength = Swift.max(1, maximumLineLength)
            self.readSize = Swift.max(1, readSize)
        }
    }

    private let fileDescriptor: Int32
    /// Keeps a `FileHandle` (and so its descriptor) alive while the stream exists.
    private let handle: FileHandle?
    private let configuration: Configuration
    private let onBadLine: (@Sendable (BadLine) -> Void)?

    /// Creates a stream over an open file descriptor.
    ///
    /// - Parameters:
    ///   - fileDescriptor: A readable descriptor; the caller keeps it open while
    ///     iterating and closes it afterwards.
    ///   - configuration: Mode and limits.
    ///   - onBadLine: Called for each bad line in lenient mode.
    public init(fileDescriptor: Int32, configuration: Configuration = Configuration(), onBadLine: (@Sendable (BadLine) -> Void)? = nil) {
        self.fileDescriptor = fileDescriptor
        self.handle = nil
        self.configuration = configuration
        self.onBadLine = onBadLine
    }

    /// Creates a stream over a `FileHandle` (a file, or a `Pipe`'s
    /// `fileHandleForReading`).
    ///
    /// - Parameters:
    ///   - fileHandle: The handle; the stream and its iterators keep it alive. Do
    ///     not close it while iterating.
    ///   - configuration: Mode and limits.
    ///   - onBadLine: Called for each bad line in lenient mode.
    public init(fileHandle: FileHandle, configuration: Configuration, onBadLine: (@Sendable (BadLine) -> Void)? = nil) {
        self.fileDescriptor = fileHandle.fileDescriptor
        self.handle = fileHandle
        self.configuration = configuration
        self.onBadLine = onBadLine
    }

    /// Creates a stream over a `FileHandle` (a file, or a `Pipe`'s
    /// `fileHandleForReading`) with the default limits.
    ///
    /// - Parameters:
    ///   - fileHandle: The handle; the stream and its iterators keep it alive. Do
    ///     not close it while iterating.
    ///   - mode: Strict or lenient handling of bad lines.
    ///   - onBadLine: Called for each bad line in lenient mode.
    public init(fileHandle: FileHandle, mode: MessageParsingMode, onBadLine: (@Sendable (BadLine) -> Void)? = nil) {
        self.init(fileHandle: fileHandle, configuration: Configuration(mode: mode), onBadLine: onBadLine)
    }

    /// Creates an iterator.
    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(fileDescriptor: fileDescriptor, handle: handle, configuration: configuration, onBadLine: onBadLine)
    }

    /// Reads lines and yields messages; see ``MessageStream``.
    public struct AsyncIterator: AsyncIteratorProtocol {
        private let fileDescriptor: Int32
        private let handle: FileHandle?
        private let configuration: Configuration
        private let onBadLine: (@Sendable (BadLine) -> Void)?
        private let queue = DispatchQueue(label: "AgentSessions.MessageStream.read")
        private var buffer: [UInt8] = []
        /// Index in `buffer` of the current line's first byte.
        private var lineStart = 0
        /// Index in `buffer` from which to look for the next newline.
        private var searchFrom = 0
        /// Stream offset of `buffer[0]`.
        private var bufferOffset = 0
        private var lineNumber = 0
        private var pending: [Message] = []
        /// One line decoder (and its parser's scratch space) for the whole stream.
        private let decoder = DecoderBox()
        private var pendingIndex = 0
        private var endOfFile = false
        private var finished = false
        private var discardingLongLine = false
        private var atStart = true

        init(fileDescriptor: Int32, handle: FileHandle?, configuration: Configuration, onBadLine: (@Sendable (BadLine) -> Void)?) {
            self.fileDescriptor = fileDescriptor
            self.handle = handle
            self.configuration = configuration
            self.onBadLine = onBadLine
        }

        /// The next message, or nil at end of stream or after cancellation.
        ///
        /// - Throws: ``MessageStreamError/badLine(lineNumber:reason:)`` in strict
        ///   mode; ``MessageStreamError/readFailed(path:reason:)`` when `read(2)` fails.
        public mutating func next() async throws(MessageStreamError) -> Message? {
            try await next(isolation: nil)
        }

        /// The next message, or nil at end of stream or after cancellation.
        ///
        /// - Parameter actor: The caller's isolation (unused: the work is nonisolated).
        /// - Throws: ``MessageStreamError/badLine(lineNumber:reason:)`` in strict
        ///   mode; ``MessageStreamError/readFailed(path:reason:)`` when `read(2)` fails.
        public mutating func next(isolation actor: isolated (any Actor)?) async throws(MessageStreamError) -> Message? {
            while !finished {
                if pendingIndex < pending.count {
                    let message = pending[pendingIndex]
                    pendingIndex += 1
                    if pendingIndex == pending.count {
                        pending.removeAll(keepingCapacity: true)
                        pendingIndex = 0
                    }
                    return message
                }
                if try takeLine() { continue }
                if endOfFile {
                    // The last line, without a final newline.
                    if lineStart < buffer.count && !discardingLongLine {
                        try process(lineEnd: buffer.count)
                        lineStart = buffer.count
                        continue
                    }
                    finished = true
                    return nil
                }
                if Task.isCancelled {
                    finished = true
                    return nil
                }
                guard let chunk = try await MessageStream.readChunk(fileDescriptor: fileDescriptor, size: configuration.readSize, queue: queue) else {
                    // Cancelled while waiting, or end of file.
                    if Task.isCancelled {
                        finished = true
                        return nil
                    }
                    endOfFile = true
                    continue
                }
                append(chunk)
            }
            return nil
        }

        private mutating func append(_ chunk: [UInt8]) {
            var chunk = chunk[...]
            if atStart {
                // Skip a UTF-8 byte-order mark at the very start (it still counts for offsets).
                if buffer.isEmpty && chunk.count >= 3 && chunk.starts(with: [0xEF, 0xBB, 0xBF]) {
                    chunk = chunk.dropFirst(3)
                    bufferOffset += 3
                }
                atStart = false
            }
            // Drop consumed bytes before growing.
            if lineStart > 0 && lineStart >= buffer.count / 2 {
                buffer.removeSubrange(0..<lineStart)
                bufferOffset += lineStart
                searchFrom -= lineStart
                lineStart = 0
            }
            buffer.append(contentsOf: chunk)
        }

        /// Handles the next complete line in the buffer; false when there is none.
        private mutating func takeLine() throws(MessageStreamError) -> Bool {
            let from = searchFrom
            let newline: Int? = buffer.withUnsafeBufferPointer { bytes in
                guard from < bytes.count, let hit = memchr(bytes.baseAddress! + from, 0x0A, bytes.count - from) else { return nil }
                return bytes.baseAddress!.distance(to: hit.assumingMemoryBound(to: UInt8.self))
            }
            guard let newline else {
                searchFrom = buffer.count
                if !discardingLongLine && buffer.count - lineStart > configuration.maximumLineLength {
                    try reportBad(.lineTooLong(limit: configuration.maximumLineLength), lineStartOffset: bufferOffset + lineStart)
                    discardingLongLine = true
                }
                if discardingLongLine {
                    bufferOffset += buffer.count
                    buffer.removeAll(keepingCapacity: true)
                    lineStart = 0
                    searchFrom = 0
                }
                return false
            }
            if discardingLongLine {
                discardingLongLine = false
                lineStart = newline + 1
                searchFrom = lineStart
                return true
            }
            if newline - lineStart > configuration.maximumLineLength {
                lineNumber += 1
                let offset = bufferOffset + lineStart
                lineStart = newline + 1
                searchFrom = lineStart
                try reportBad(.lineTooLong(limit: configuration.maximumLineLength), lineStartOffset: offset, countLine: false)
                return true
            }
            try process(lineEnd: newline)
            lineStart = newline + 1
            searchFrom = lineStart
            return true
        }

        /// Decodes `buffer[lineStart..<lineEnd]` as the next line.
        private mutating func process(lineEnd: Int) throws(MessageStreamError) {
            lineNumber += 1
            let start = lineStart
            let decoder = self.decoder
            let outcome: MessageLineDecoder.Outcome = buffer.withUnsafeBytes { raw in
                decoder.value.decode(UnsafeRawBufferPointer(rebasing: raw[start..<lineEnd]))
            }
            switch outcome {
            case .blank:
                break
            case .message(let message):
                pending.append(message)
            case .messages(let messages):
                pending.append(contentsOf: messages)
            case .bad(let reason):
                try reportBad(reason, lineStartOffset: bufferOffset + start, countLine: false)
            }
        }

        private mutating func reportBad(_ reason: MessageError, lineStartOffset: Int, countLine: Bool = true) throws(MessageStreamError) {
            if countLine { lineNumber += 1 }
            switch configuration.mode {
            case .strict:
                finished = true
                throw .badLine(lineNumber: lineNumber, reason: reason)
            case .lenient:
                onBadLine?(BadLine(lineNumber: lineNumber, byteOffset: lineStartOffset, reason: reason))
            }
        }
    }

    /// Reads up to `size` bytes on `queue`; nil at end of file or when the task is
    /// cancelled while waiting.
    static func readChunk(fileDescriptor: Int32, size: Int, queue: DispatchQueue) async throws(MessageStreamError) -> [UInt8]? {
        let once = ResumeOnce()
        let result: Result<[UInt8]?, MessageStreamError> = await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<[UInt8]?, MessageStreamError>, Never>) in
                guard once.install(continuation) else { return }
                queue.async {
                    once.resume(with: blockingRead(fileDescriptor: fileDescriptor, size: size))
                }
            }
        } onCancel: {
            once.resume(with: .success(nil))
        }
        return try result.get()
    }

    private static func blockingRead(fileDescriptor: Int32, size: Int) -> Result<[UInt8]?, MessageStreamError> {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            while true {
                let n = read(fileDescriptor, buffer.baseAddress, size)
                if n >= 0 {
                    initialized = n
                    return
                }
                if errno == EINTR { continue }
                failure = errno
                initialized = 0
                return
            }
        }
        if failure != 0 {
            return .failure(.readFailed(path: nil, reason: String(cString: strerror(failure))))
        }
        return .success(bytes.isEmpty ? nil : bytes)
    }

    /// Resumes a continuation exactly once, from whichever of the read and the
    /// cancellation handler comes first. Lock-protected by its `Mutex`.
    private final class ResumeOnce: Sendable {
        private enum State {
            case waiting
            case installed(CheckedContinuation<Result<[UInt8]?, MessageStreamError>, Never>)
            case cancelledEarly
            case done
        }

        private let state = Mutex<State>(.waiting)

        /// Installs the continuation; false (and resumed with nil) when already cancelled.
        func install(_ continuation: CheckedContinuation<Result<[UInt8]?, MessageStreamError>, Never>) -> Bool {
            let cancelled = state.withLock { state -> Bool in
                if case .cancelledEarly = state {
                    state = .done
                    return true
                }
                state = .installed(continuation)
                return false
            }
            if cancelled { continuation.resume(returning: .success(nil)) }
            return !cancelled
        }

        func resume(with result: Result<[UInt8]?, MessageStreamError>) {
            let continuation = state.withLock { state -> CheckedContinuation<Result<[UInt8]?, MessageStreamError>, Never>? in
                switch state {
                case .installed(let continuation):
                    state = .done
                    return continuation
                case .waiting:
                    state = .cancelledEarly
                    return nil
                case .cancelledEarly, .done:
                    return nil
                }
            }
            continuation?.resume(returning: result)
        }
    }
}

extension FileHandle {
    /// The messages this handle will produce, read incrementally; see ``MessageStream``.
    ///
    /// - Parameters:
    ///   - mode: Strict or lenient handling of bad lines.
    ///   - onBadLine: Called for each bad line in lenient mode.
    /// - Returns: An `AsyncSequence` of messages.
    public func messages(mode: MessageParsingMode, onBadLine: (@Sendable (BadLine) -> Void)? = nil) -> MessageStream {
        MessageStream(fileHandle: self, mode: mode, onBadLine: onBadLine)
    }
}

/// Holds a (non-copyable) ``MessageLineDecoder`` so a stream iterator can reuse it for every line.
/// Used only by its iterator, which is never used from two tasks at once.
private final class DecoderBox {
    var value = MessageLineDecoder()
}
