import AgentSessions
import Foundation
import Testing
import TestSupport

/// Finds an executable product built next to the test bundle (`.build/debug/NAME`).
func builtProduct(_ name: String) throws -> URL {
    var directory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = directory.appendingPathComponent(name)
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        directory.deleteLastPathComponent()
    }
    throw ProcessTestError.missingProduct(name)
}

enum ProcessTestError: Error, CustomStringConvertible {
    case missingProduct(String)
    var description: String {
        switch self {
        case .missingProduct(let name): "\(name) was not built next to the tests; run `swift build` first"
        }
    }
}

/// A running StoreWriter whose acknowledgements are collected from its standard output.
final class WriterProcess {
    let process = Process()
    private let output = Pipe()

    init(directory: String, run: Int, seed: UInt64, durability: String = "--durable", operations: Int? = nil) throws {
        process.executableURL = try builtProduct("StoreWriter")
        process.arguments = [directory, String(run), String(seed), durability] + (operations.map { ["--operations", String($0)] } ?? [])
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Every complete line the writer printed (call after it exited).
    func acknowledgements() -> [(op: String, id: String, count: Int)] {
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let text = String(decoding: data, as: UTF8.self)
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        if text.last != "\n" { lines.removeLast() }  // an unterminated line is not an acknowledgement
        return lines.compactMap { line in
            let parts = line.split(separator: " ")
            guard parts.count == 3, let count = Int(parts[2]) else { return nil }
            return (String(parts[0]), String(parts[1]), count)
        }
    }
}

/// Opens a store on `directory` (buffered, no cleanup child) for checking.
func openForCheck(_ directory: String) async throws -> SessionStore {
    var configuration = SessionStore.Configuration(directory: directory, durability: .buffered)
    configuration.cleanup = nil
    return try await SessionStore.start(configuration)
}

/// Opens a copy of the store without its snapshot: the index a full rebuild from the files gives.
func rebuiltIndex(_ directory: String) async throws -> Set<SessionMetadata> {
    let copy = directory + "-rebuild"
    defer { try? FileManager.default.removeItem(atPath: copy) }
    try FileManager.default.copyItem(atPath: directory, toPath: copy)
    try? FileManager.default.removeItem(atPath: copy + "/index.snapshot")
    let store = try await openForCheck(copy)
    let all = Set(try await store.listSessions().sessions)
    await store.shutdown()
    return all
}
