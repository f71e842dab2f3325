import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Makes a file unwritable for this process until ``restore()``: mode 0400, and for root, whom
/// modes do not stop, the immutable attribute (Linux, on a file system that has it). `nil` when
/// that cannot be done here.
struct Unwritable {
    let path: String
    private let immutable: Bool

    init?(_ path: String) {
        guard chmod(path, 0o400) == 0 else { return nil }
        self.path = path
        guard geteuid() == 0 else {
            immutable = false
            return
        }
        #if os(Linux)
        guard Self.setImmutable(path, true) else {
            chmod(path, 0o600)
            return nil
        }
        immutable = true
        #else
        chmod(path, 0o600)
        return nil
        #endif
    }

    /// Makes the file writable again (it can then be moved and removed); safe to call twice.
    func restore() {
        #if os(Linux)
        if immutable { _ = Self.setImmutable(path, false) }
        #endif
        chmod(path, 0o600)
    }

    #if os(Linux)
    /// Sets or clears `FS_IMMUTABLE_FL` with `FS_IOC_GETFLAGS`/`FS_IOC_SETFLAGS`.
    private static func setImmutable(_ path: String, _ on: Bool) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        let getFlags: UInt = 0x8008_6601, setFlags: UInt = 0x4008_6602, immutableFlag: Int32 = 0x10
        var flags: Int32 = 0
        guard withUnsafeMutablePointer(to: &flags, { ioctl(fd, getFlags, $0) }) == 0 else { return false }
        flags = on ? flags | immutableFlag : flags & ~immutableFlag
        return withUnsafeMutablePointer(to: &flags, { ioctl(fd, setFlags, $0) }) == 0
    }
    #endif
}
