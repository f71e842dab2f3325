import Foundation
import Testing
@testable import AgentSessions

@Suite("MappedFile: mapped only when the page cache holds all of it")
struct MappedFileTests {
    /// Loads `path` as the snapshot is loaded: its bytes, and whether they were mapped.
    static func load(_ path: String) throws -> (bytes: [UInt8], mapped: Bool) {
        let file = try #require(try FileIO().mapFile(path))
        return (file.withBytes { Array($0) }, file.mapped)
    }

    @Test("a file just written is mapped; once its pages are dropped from the page cache it is read instead, with the same bytes; an empty one is read",
          .enabled(if: FileManager.default.fileExists(atPath: "/proc/self"), "drops pages with posix_fadvise (Linux)"))
    func residentOnly() throws {
        let dir = TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/f"
        let content = (0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try Data(content).write(to: URL(fileURLWithPath: path))
        #expect(try Self.load(path) == (content, true))
        #if canImport(Glibc)
        let fd = open(path, O_RDONLY)
        defer { close(fd) }
        #expect(fdatasync(fd) == 0 && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
        #expect(try Self.load(path) == (content, false))
        #endif
        try Data().write(to: URL(fileURLWithPath: path))
        #expect(try Self.load(path) == ([], false))
        #expect(try FileIO().mapFile(dir.path + "/absent") == nil)
    }
}
