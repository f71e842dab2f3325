import Foundation
import Testing
import TestSupport
@testable import AgentSessions

@Suite struct JSONRoundTripTests {
    /// parse(write(v)) == v and write is stable, over generated values.
    @Test(arguments: [1, 2, 3, 42, 2025] as [UInt64])
    func generatedValuesRoundTrip(seed: UInt64) throws {
        var generator = JSONValueGenerator(rng: SeededGenerator(seed: seed))
        for _ in 0..<400 {
            let value = generator.value()
            let bytes = value.serialized()
            #expect(!bytes.contains(0x0A), "compact output must be one line")
            let parsed = try JSONValue(parsing: bytes)
            #expect(parsed == value, "seed \(seed): \(value.jsonString)")
            #expect(parsed.serialized() == bytes)
            // The output is valid JSON for Foundation too.
            #expect((try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil)
        }
    }

    /// Every line of a freshly generated shared corpus: parse → write is byte-identical,
    /// and parse → write → parse is equal.
    @Test func everyCorpusLineRoundTripsByteForByte() async throws {
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repository.deletingLastPathComponent().appendingPathComponent("shared/bench/gen_corpus.py")
        guard FileManager.default.fileExists(atPath: script.path) else {
            Issue.record("the corpus generator is missing at \(script.path); this test needs it")
            return
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("agentsessions-corpus-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--sessions", "200", "--seed", "1", "--out", directory.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let exit: ProcessExit
        do {
            exit = try ProcessExit(starting: process)
        } catch {
            Issue.record("cannot run python3 (needed to generate the corpus): \(error)")
            return
        }
        let status = await exit.status
        guard status == 0 else {
            Issue.record("python3 \(script.path) failed with status \(status); is python3 installed?")
            return
        }
        let sessions = directory.appendingPathComponent("sessions")
        let files = try FileManager.default.contentsOfDirectory(atPath: sessions.path).filter { $0.hasSuffix(".jsonl") }
        #expect(files.count == 200)
        var lines = 0
        var mismatches = 0
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: sessions.appendingPathComponent(file)))
            for line in bytes.split(separator: 0x0A) {
                lines += 1
                let input = Array(line)
                let value = try JSONValue(parsing: input)
                let output = value.serialized()
                if output != input {
                    mismatches += 1
                    if mismatches <= 3 {
                        Issue.record("not byte-identical in \(file):\n\(String(decoding: input, as: UTF8.self))\n\(String(decoding: output, as: UTF8.self))")
                    }
                }
                #expect(try JSONValue(parsing: output) == value)
            }
            // The reader agrees: one message per line, none bad.
            let result = try MessageReader.read(bytes, mode: .strict)
            #expect(result.messages.count == bytes.split(separator: 0x0A).count)
        }
        #expect(lines > 2000)
        #expect(mismatches == 0)
    }
}
