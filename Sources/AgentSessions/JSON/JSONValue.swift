/// A JSON value that round-trips losslessly.
///
/// `JSONValue` keeps every distinction that a JSON text can carry and that the
/// messages of Claude Code rely on:
/// - integers stay integers: `.int` holds the signed 64-bit range and `.uint`
///   the values above `Int64.max` up to `UInt64.max`;
/// - floating-point numbers (any number written with a fraction or an exponent)
///   are `.double`;
/// - objects keep their members in source order, duplicates included
///   (see ``JSONObject``).
///
/// Equality is structural and ordered: two objects are equal only when they have
/// the same members in the same order. Integer cases compare by numeric value
/// (`.uint(5) == .int(5)`), but an integer never equals a double
/// (`.int(1) != .double(1.0)`), because they are written differently.
/// Doubles compare with `==` (so `0.0 == -0.0`), except that NaN equals NaN.
///
/// Parse with ``init(parsing:)-(String)`` and friends; write with
/// ``serialized()``, ``write(into:)`` or ``jsonString``.
public enum JSONValue: Sendable {
    /// The JSON literal `null`.
    case null
    /// The JSON literals `true` and `false`.
    case bool(Bool)
    /// An integer in the signed 64-bit range.
    case int(Int64)
    /// An integer above `Int64.max` (up to `UInt64.max`). The parser produces this
    /// case only for such values; smaller values are ``int(_:)``.
    case uint(UInt64)
    /// A number written with a fraction or an exponent, or an integer literal
    /// outside the 64-bit ranges (the one documented lossy case: such integers are
    /// kept as the nearest `Double`). Always finite when produced by the parser.
    case double(Double)
    /// A string; any Unicode scalar, including characters outside the BMP.
    case string(String)
    /// An array of values.
    case array([JSONValue])
    /// An object whose members keep their source order.
    case object(JSONObject)
}

extension JSONValue: Hashable {
    /// Structural equality; see the type's documentation for the number rules.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.uint(a), .uint(b)): return a == b
        case let (.int(a), .uint(b)), let (.uint(b), .int(a)): return a >= 0 && UInt64(a) == b
        case let (.double(a), .double(b)): return a == b || (a.isNaN && b.isNaN)
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)): return a == b
        default: return false
        }
    }

    /// Hashes the value consistently with ``==(_:_:)``.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0 as UInt8)
        case .bool(let b): hasher.combine(1 as UInt8); hasher.combine(b)
        case .int(let i):
            hasher.combine(2 as UInt8)
            if i >= 0 { hasher.combine(UInt64(i)) } else { hasher.combine(i) }
        case .uint(let u): hasher.combine(2 as UInt8); hasher.combine(u)
        case .double(let d): hasher.combine(3 as UInt8); hasher.combine(d.isNaN ? Double.nan : d)
        case .string(let s): hasher.combine(4 as UInt8); hasher.combine(s)
        case .array(let a): hasher.combine(5 as UInt8); hasher.combine(a)
        case .object(let o): hasher.combine(6 as UInt8); hasher.combine(o)
        }
    }
}

extension JSONValue {
    /// The kind of a value, for error messages and quick checks.
    public enum Kind: String, Sendable, Hashable {
        /// `null`.
        case null
        /// `true` or `false`.
        case bool
        /// An integer (``JSONValue/int(_:)`` or ``JSONValue/uint(_:)``).
        case integer
        /// A floating-point number.
        case double
        /// A string.
        case string
        /// An array.
        case array
        /// An object.
        case object
    }

    /// The kind of this value.
    public var kind: Kind {
        switch self {
        case .null: .null
        case .bool: .bool
        case .int, .uint: .integer
        case .double: .double
        case .string: .string
        case .array: .array
        case .object: .object
        }
    }

    /// The string, when this is a ``string(_:)``; otherwise nil.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The value as an `Int` when it is an integer that fits, or a double with an
    /// exact integral value that fits; otherwise nil.
    public var intValue: Int? {
        switch self {
        case .int(let i): return Int(exactly: i)
        case .uint(let u): return Int(exactly: u)
        case .double(let d): return Int(exactly: d)
        default: return nil
        }
    }

    /// The value as an `Int64` when it is an integer in that range; otherwise nil.
    public var int64Value: Int64? {
        switch self {
        case .int(let i): return i
        case .uint(let u): return Int64(exactly: u)
        default: return nil
        }
    }

    /// The value as a `UInt64` when it is a non-negative integer; otherwise nil.
    public var uint64Value: UInt64? {
        switch self {
        case .int(let i): return UInt64(exactly: i)
        case .uint(let u): return u
        default: return nil
        }
    }

    /// Any number as a `Double` (integers converted, possibly rounded); otherwise nil.
    public var doubleValue: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .uint(let u): return Double(u)
        case .double(let d): return d
        default: return nil
        }
    }

    /// The boolean, when this is a ``bool(_:)``; otherwise nil.
    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    /// The elements, when this is an ``array(_:)``; otherwise nil.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The object, when this is an ``object(_:)``; otherwise nil.
    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    /// Whether this is ``null``.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The value of the first member named `key`, when this is an object that has
    /// one; otherwise nil.
    ///
    /// - Parameter key: The member name, compared exactly (no normalisation).
    public subscript(key: String) -> JSONValue? {
        if case .object(let o) = self { return o[key] }
        return nil
    }

    /// The element at `index`, when this is an array and the index is in range;
    /// otherwise nil (never traps).
    ///
    /// - Parameter index: A zero-based position.
    public subscript(index: Int) -> JSONValue? {
        if case .array(let a) = self, a.indices.contains(index) { return a[index] }
        return nil
    }
}

extension JSONValue: ExpressibleByNilLiteral {
    /// Creates ``null``.
    public init(nilLiteral: ()) { self = .null }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    /// Creates a ``bool(_:)``.
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    /// Creates an ``int(_:)``.
    public init(integerLiteral value: Int64) { self = .int(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Creates a ``double(_:)``.
    public init(floatLiteral value: Double) { self = .double(value) }
}

extension JSONValue: ExpressibleByStringLiteral {
    /// Creates a ``string(_:)``.
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    /// Creates an ``array(_:)``.
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Creates an ``object(_:)`` with the members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}

extension JSONValue: CustomStringConvertible {
    /// The compact JSON text of the value (``jsonString``).
    public var description: String { jsonString }
}
