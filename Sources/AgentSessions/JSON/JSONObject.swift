/// A JSON object that keeps its members in source order.
///
/// Members are stored as an ordered list, so writing an object back produces its
/// members in the order they were read. Duplicate keys are kept as they are
/// (lossless); ``subscript(_:)`` returns the first occurrence. Lookups are a
/// linear scan, which is the fastest choice for the small objects of Claude Code
/// messages.
///
/// Equality is ordered: `{"a":1,"b":2}` and `{"b":2,"a":1}` are different
/// objects, because they are written differently.
public struct JSONObject: Sendable, Hashable {
    /// One member of an object.
    @usableFromInline
    struct Member: Sendable, Hashable {
        @usableFromInline var key: String
        @usableFromInline var value: JSONValue

        @inlinable
        init(key: String, value: JSONValue) {
            self.key = key
            self.value = value
        }
    }

    @usableFromInline
    var members: [Member]

    @inlinable
    init(members: [Member]) {
        self.members = members
    }

    /// Creates an empty object.
    public init() {
        members = []
    }

    /// Creates an object with the given members, in order.
    ///
    /// - Parameter pairs: Key/value pairs; duplicates are kept.
    public init(_ pairs: [(String, JSONValue)]) {
        members = pairs.map { Member(key: $0.0, value: $0.1) }
    }

    /// The value of the first member named `key`, or nil.
    ///
    /// Setting a value replaces the first member with that key in place (keeping
    /// its position) or appends a new member; setting nil removes every member
    /// with that key.
    ///
    /// - Parameter key: The member name, compared exactly.
    public subscript(key: String) -> JSONValue? {
        get {
            // Index access borrows each member instead of copying it (a copy would
            // retain every value it passes, touching cold memory); comparing lengths
            // first skips most mismatches without a full string comparison.
            let length = key.utf8.count
            for index in members.indices where members[index].key.utf8.count == length && members[index].key == key {
                return members[index].value
            }
            return nil
        }
        set {
            if let newValue {
                if let index = members.firstIndex(where: { $0.key == key }) {
                    members[index].value = newValue
                } else {
                    members.append(Member(key: key, value: newValue))
                }
            } else {
                members.removeAll { $0.key == key }
            }
        }
    }

    /// The member keys in order (duplicates included).
    public var keys: [String] { members.map(\.key) }

    /// Appends a member at the end, even if the key already exists.
    ///
    /// - Parameters:
    ///   - key: The member name.
    ///   - value: The member value.
    public mutating func append(key: String, value: JSONValue) {
        members.append(Member(key: key, value: value))
    }
}

extension JSONObject: RandomAccessCollection {
    /// A position in the member list.
    public typealias Index = Int
    /// A member as a `(key, value)` pair.
    public typealias Element = (key: String, value: JSONValue)

    /// The position of the first member.
    public var startIndex: Int { 0 }
    /// The position after the last member.
    public var endIndex: Int { members.count }

    /// The member at `position` as a `(key, value)` pair.
    ///
    /// - Parameter position: A valid index; out-of-range positions trap, as for arrays.
    public subscript(position: Int) -> (key: String, value: JSONValue) {
        let member = members[position]
        return (member.key, member.value)
    }
}

extension JSONObject: ExpressibleByDictionaryLiteral {
    /// Creates an object with the members in the order written.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init(elements)
    }
}
