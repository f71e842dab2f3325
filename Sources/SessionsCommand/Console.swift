import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where a command writes: standard output (buffered, flushed at the end and when large) and
/// standard error (one line per problem, unbuffered). Tests can capture both.
package final class Console {
    private var out: [UInt8] = []
    private let writeOut: ([UInt8]) -> Void
    private let writeErr: ([UInt8]) -> Void

    /// A console over the process's standard output and standard error.
    package convenience init() {
        self.init(out: { Console.writeAll(1, $0) }, err: { Console.writeAll(2, $0) })
    }

    /// A console over two byte sinks.
    /// - Parameters:
    ///   - out: receives standard-output bytes (in chunks).
    ///   - err: receives each standard-error line, newline included.
    package init(out: @escaping ([UInt8]) -> Void, err: @escaping ([UInt8]) -> Void) {
        writeOut = out
        writeErr = err
    }

    /// Appends a line to standard output.
    func line(_ text: String) {
        out.append(contentsOf: text.utf8)
        out.append(UInt8(ascii: "\n"))
        if out.count >= 1 << 16 { flush() }
    }

    /// Appends raw bytes and a newline to standard output (JSON lines).
    func line(bytes: [UInt8]) {
        out.append(contentsOf: bytes)
        out.append(UInt8(ascii: "\n"))
        if out.count >= 1 << 16 { flush() }
    }

    /// Writes one line to standard error, prefixed with `sessions: `.
    func error(_ text: String) {
        flush()
        writeErr(Array("sessions: \(text)\n".utf8))
    }

    /// Writes buffered standard output.
    package func flush() {
        guard !out.isEmpty else { return }
        writeOut(out)
        out.removeAll(keepingCapacity: true)
    }

    private static func writeAll(_ fd: Int32, _ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let n = write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    return  // EPIPE (`sessions list | head`): stop writing quietly.
                }
                offset += n
            }
        }
    }
}
