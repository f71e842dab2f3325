import Foundation
import Synchronization
import Testing
import AgentSessions

@Suite struct MessageStreamTests {
    static let line1 = #"{"type":"system","subtype":"init","session_id":"s1"}"#
    static let line2 = #"{"type":"assistant","message":{"id":"m1","content":"héllo 😀"},"session_id":"s1"}"#
    static let line3 = #"{"type":"result","subtype":"success","total_cost_usd":0.5,"session_id":"s1"}"#

    /// Writes `chunks` to a pipe from another thread, one at a time, then closes it.
    static func pipe(writing chunks: [[UInt8]], closeAfter: Bool = true) -> Pipe {
        let pipe = Pipe()
        let writer = pipe.fileHandleForWriting
        Thread.detachNewThread {
            for chunk in chunks {
                writer.write(Data(chunk))
                // Not synchronisation: every assertion holds however the reader's reads split the
                // bytes; the pause only makes chunk-sized reads (the case worth covering) likely.
                usleep(2000)
            }
            if closeAfter { try? writer.close() }
        }
        return pipe
    }

    @Test func yieldsMessagesFromAPipeAcrossArbitraryChunkBoundaries() async throws {
        let text = Array("\(Self.line1)\r\n\n\(Self.line2)\n\(Self.line3)".utf8)  // no final newline
        // Split at awkward places: inside a multi-byte character, between \r and \n.
        let cuts = [1, 10, Self.line1.utf8.count + 1, Self.line1.utf8.count + 2, text.count - 40, text.count - 1]
        var chunks: [[UInt8]] = []
        var start = 0
        for cut in cuts {
            chunks.append(Array(text[start..<cut]))
            start = cut
        }
        chunks.append(Array(text[start...]))
        let pipe = Self.pipe(writing: chunks)
        var types: [String?] = []
        for try await message in pipe.fileHandleForReading.messages(mode: .strict) {
            types.append(message.type)
        }
        #expect(types == ["system", "assistant", "result"])
        try pipe.fileHandleForReading.close()
    }

    @Test func messagesArriveBeforeTheWriterFinishes() async throws {
        let pipe = Pipe()
        let stream = MessageStream(fileHandle: pipe.fileHandleForReading, mode: .strict)
        var iterator = stream.makeAsyncIterator()
        pipe.fileHandleForWriting.write(Data((Self.line1 + "\n").utf8))
        let first = try await iterator.next()
        #expect(first?.type == "system")  // the pipe is still open
        pipe.fileHandleForWriting.write(Data((Self.line3 + "\n").utf8))
        #expect(try await iterator.next()?.type == "result")
        try pipe.fileHandleForWriting.close()
        #expect(try await iterator.next() == nil)
        try pipe.fileHandleForReading.close()
    }

    @Test func lenientModeReportsBadLinesAndGoesOn() async throws {
        let text = "\(Self.line1)\nnot json\n\n[1]\n\(Self.line3)\n"
        let pipe = Self.pipe(writing: [Array(text.utf8)])
        let reported = Mutex<[BadLine]>([])
        var count = 0
        for try await _ in pipe.fileHandleForReading.messages(mode: .lenient, onBadLine: { bad in reported.withLock { $0.append(bad) } }) {
            count += 1
        }
        #expect(count == 2)
        let bad = reported.withLock { $0 }
        #expect(bad.map(\.lineNumber) == [2, 4])
        #expect(bad.first?.byteOffset == Self.line1.utf8.count + 1)
        #expect(bad.last?.reason == .notAnObject(.array))
        try pipe.fileHandleForReading.close()
    }

    @Test func strictModeThrowsWithTheLineNumberAndEnds() async throws {
        let text = "\(Self.line1)\n\(Self.line2)\n{oops\n\(Self.line3)\n"
        let pipe = Self.pipe(writing: [Array(text.utf8)])
        var iterator = pipe.fileHandleForReading.messages(mode: .strict).makeAsyncIterator()
        #expect(try await iterator.next()?.type == "system")
        #expect(try await iterator.next()?.type == "assistant")
        do {
            _ = try await iterator.next()
            Issue.record("the bad line did not throw")
        } catch {
            #expect(error == .badLine(lineNumber: 3, reason: .invalidJSON(JSONParseError(code: .unexpectedCharacter, offset: 1))))
        }
        #expect(try await iterator.next() == nil)
        try pipe.fileHandleForReading.close()
    }

    @Test func longLinesAndTheLineLimit() async throws {
        let big = #"{"type":"user","message":{"content":""# + String(repeating: "x", count: 3_000_000) + #""}}"#
        let text = Array("\(Self.line1)\n\(big)\n\(Self.line3)\n".utf8)
        let chunks = stride(from: 0, to: text.count, by: 500_000).map { Array(text[$0..<min($0 + 500_000, text.count)]) }
        // Within the default limit: read whole.
        let pipe = Self.pipe(writing: chunks)
        var sizes: [Int] = []
        for try await message in pipe.fileHandleForReading.messages(mode: .strict) {
            sizes.append(message.serialized().count)
        }
        #expect(sizes == [Self.line1.utf8.count, big.utf8.count, Self.line3.utf8.count])
        try pipe.fileHandleForReading.close()
        // Over a small limit: reported, skipped, and the next line still read.
        let limited = Self.pipe(writing: chunks)
        let reported = Mutex<[BadLine]>([])
        let stream = MessageStream(
            fileDescriptor: limited.fileHandleForReading.fileDescriptor,
            configuration: .init(mode: .lenient, maximumLineLength: 1 << 20, readSize: 4096),
            onBadLine: { bad in reported.withLock { $0.append(bad) } }
        )
        var types: [String?] = []
        for try await message in stream { types.append(message.type) }
        #expect(types == ["system", "result"])
        #expect(reported.withLock { $0 } == [BadLine(lineNumber: 2, byteOffset: Self.line1.utf8.count + 1, reason: .lineTooLong(limit: 1 << 20))])
        try limited.fileHandleForReading.close()
    }

    @Test func cancellationEndsAWaitingIteration() async throws {
        let pipe = Pipe()
        pipe.fileHandleForWriting.write(Data((Self.line1 + "\n").utf8))
        let stream = pipe.fileHandleForReading.messages(mode: .strict)
        let (firstSeen, signal) = AsyncStream<Void>.makeStream()
        let task = Task {
            defer { signal.finish() }  // a stream that fails before its first message must not leave the wait below waiting
            var count = 0
            for try await _ in stream {
                count += 1
                signal.yield()
            }
            return count
        }
        for await _ in firstSeen { break }
        // Not synchronisation: the assertion holds whether the cancel lands before or during the
        // next read(2). The delay only makes the blocked-in-read case (the one worth covering) likely,
        // since nothing can signal "blocked in a system call".
        try await Task.sleep(for: .milliseconds(50))
        task.cancel()
        let count = try await task.value
        #expect(count == 1)
        try pipe.fileHandleForWriting.close()  // lets the abandoned read finish
        try pipe.fileHandleForReading.close()
    }

    @Test func readsAFile() async throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("stream-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        try Data("\(Self.line1)\n\(Self.line2)\n\(Self.line3)\n".utf8).write(to: url)
        let handle = try FileHandle(forReadingFrom: url)
        defer { try? handle.close() }
        var messages: [Message] = []
        for try await message in handle.messages(mode: .strict) { messages.append(message) }
        #expect(Session.calculateCost(messages) == 0.5)
        #expect(messages[1].text == "héllo 😀")
    }
}
