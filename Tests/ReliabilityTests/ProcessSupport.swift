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
    case cannotCreate(String)
    var description: String {
        switch self {
        case .missingProduct(let name): "\(name) was not built next to the tests; run `swift build` first"
        case .cannotCreate(let path): "cannot create \(path)"
        }
    }
}

/// A new empty file in the temporary directory, open for writing: a child's standard output,
/// read once it has exited (no pipe to fill up, no end of file that an inheriting process could
/// hold back).
func outputFile(_ name: String) throws -> (path: String, handle: FileHandle) {
    let path = NSTemporaryDirectory() + "agent-sessions-\(name)-\(UUID().uuidString).out"
    guard FileManager.default.createFile(atPath: path, contents: nil) else { throw ProcessTestError.cannotCreate(path) }
    return (path, try FileHandle(forWritingTo: URL(fileURLWithPath: path)))
}

/// A running StoreWriter whose acknowledgements are collected from its standard output (an
/// ``outputFile(_:)``).
final class WriterProcess {
    private let exit: ProcessExit
    private let outputPath: String
    let pid: Int32

    init(directory: String, run: Int, seed: UInt64, durability: String = "--durable", operations: Int? = nil) throws {
        let process = Process()
        process.executableURL = try builtProduct("StoreWriter")
        process.arguments = [directory, String(run), String(seed), durability] + (operations.map { ["--operations", String($0)] } ?? [])
        let (path, output) = try outputFile("writer")
        outputPath = path
        defer { try? output.close() }
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        do { exit = try ProcessExit(starting: process) } catch {
            try? FileManager.default.removeItem(atPath: path)  // deinit does not run for a failed init
            throw error
        }
        pid = process.processIdentifier
    }

    deinit { try? FileManager.default.removeItem(atPath: outputPath) }

    /// Kills the writer (`SIGKILL`) and waits until it has exited.
    func kill() async {
        Foundation.kill(pid, SIGKILL)
        _ = await exit.status
    }

    /// The writer's exit status, once it has exited.
    var status: Int32 {
        get async { await exit.status }
    }

    /// Every complete line the writer printed (call after it exited).
    func acknowledgements() -> [(op: String, id: String, count: Int)] {
        let text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
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
