import Foundation

/// The rules a session id must follow before it is used as part of a path.
///
/// Ids are untrusted input (DESIGN §5). An id is accepted when it is 1 to
/// ``maxUTF8Length`` bytes of UTF-8 in Unicode NFC, is not `.` or `..`, does not start
/// with `.` (the store keeps its own temporary files there), holds no `/`, `\`, NUL or
/// other control character, and is not a device name reserved on Windows (`CON`,
/// `NUL`, `COM1`, ...) so that an exported store stays portable.
enum SessionID {
    /// Ids longer than this many UTF-8 bytes are rejected (file names are limited to 255 bytes).
    static let maxUTF8Length = 200

    private static let reserved: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        for n in 1...9 { names.insert("COM\(n)"); names.insert("LPT\(n)") }
        return names
    }()

    /// Throws ``StoreError/invalidID(id:reason:)`` unless `id` follows the rules above.
    static func validate(_ id: String) throws(StoreError) {
        func reject(_ reason: String) -> StoreError { .invalidID(id: id, reason: reason) }
        let utf8 = id.utf8
        if utf8.isEmpty { throw reject("it is empty") }
        if utf8.count > maxUTF8Length { throw reject("it is \(utf8.count) bytes long; the limit is \(maxUTF8Length)") }
        if id == "." || id == ".." { throw reject("`.` and `..` name directories") }
        if utf8.first == UInt8(ascii: ".") { throw reject("it starts with `.`") }
        var ascii = true
        var stemLength = 0, inStem = true  // the bytes before the first `.`
        for byte in utf8 {
            if byte == UInt8(ascii: ".") { inStem = false } else if inStem { stemLength += 1 }
            switch byte {
            case UInt8(ascii: "/"), UInt8(ascii: "\\"): throw reject("it contains a path separator")
            case 0: throw reject("it contains a NUL character")
            case 0x01..<0x20, 0x7F: throw reject("it contains a control character")
            case 0x80...: ascii = false
            default: break
            }
        }
        if !ascii {
            if id.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0.properties.generalCategory == .format && $0.value == 0x202E }) {
                throw reject("it contains a control character")
            }
            if id.precomposedStringWithCanonicalMapping.utf8.elementsEqual(utf8) == false {
                throw reject("it is not in Unicode NFC; normalise it first so that file systems that normalise names cannot collide two ids")
            }
        }
        // An ASCII stem can only be reserved at the reserved names' lengths (uppercasing some
        // non-ASCII letters gives ASCII ones, so any other stem is checked).
        if !ascii || stemLength == 3 || stemLength == 4 {
            let stem = String(decoding: utf8.prefix(stemLength), as: UTF8.self).uppercased()
            if reserved.contains(stem) { throw reject("`\(stem)` is a device name reserved on Windows") }
        }
        if utf8.last == UInt8(ascii: " ") { throw reject("it ends with a space") }
    }

    /// Tags longer than this many characters are rejected.
    static let maxTagLength = 100

    /// Throws ``StoreError/invalidTag(tag:reason:)`` unless `tag` is 1 to ``maxTagLength``
    /// characters without control characters or surrounding white space.
    static func validateTag(_ tag: String) throws(StoreError) {
        func reject(_ reason: String) -> StoreError { .invalidTag(tag: tag, reason: reason) }
        if tag.isEmpty { throw reject("it is empty") }
        // Printable ASCII (the usual tag) needs no Unicode tables: one pass over the bytes.
        let utf8 = tag.utf8
        if utf8.count <= maxTagLength, utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
            if utf8.first == 0x20 || utf8.last == 0x20 { throw reject("it starts or ends with white space") }
            return
        }
        if tag.count > maxTagLength { throw reject("it is longer than \(maxTagLength) characters") }
        if tag.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw reject("it contains a control character")
        }
        if tag.trimmingCharacters(in: .whitespaces) != tag { throw reject("it starts or ends with white space") }
    }

    /// Throws ``StoreError/invalidDate(id:reason:)`` when `date` (the caller's `name`d date for
    /// session `id`) is not a finite instant: the index orders sessions by their dates, and NaN
    /// or infinite seconds cannot be ordered.
    static func validateDate(_ date: Date?, _ name: String, id: String) throws(StoreError) {
        guard let date, !date.timeIntervalSinceReferenceDate.isFinite else { return }
        throw .invalidDate(id: id, reason: "\(name) is \(date.timeIntervalSinceReferenceDate) seconds, not a finite instant")
    }
}
