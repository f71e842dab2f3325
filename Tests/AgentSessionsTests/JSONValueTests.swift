import Foundation
import Testing
@testable import AgentSessions

@Suite struct JSONValueTests {
    @Test func parsesAndWritesASimpleObject() throws {
        let text = #"{"a":1,"b":[true,false,null],"c":"x\ny","d":1.5}"#
        let value = try JSONValue(parsing: text)
        #expect(value.jsonString == text)
    }

    @Test func keepsKeyOrderAndDuplicates() throws {
        let text = #"{"z":1,"a":2,"m":3,"a":4}"#
        let value = try JSONValue(parsing: text)
        #expect(value.objectValue?.keys == ["z", "a", "m", "a"])
        #expect(value["a"] == 2)  // first occurrence
        #expect(value.jsonString == text)
        #expect(try JSONValue(parsing: #"{"a":1,"b":2}"#) != JSONValue(parsing: #"{"b":2,"a":1}"#))
    }

    @Test(arguments: [
        ("0", JSONValue.int(0)),
        ("-0", .int(0)),
        ("9223372036854775807", .int(.max)),
        ("-9223372036854775808", .int(.min)),
        ("9223372036854775808", .uint(9_223_372_036_854_775_808)),
        ("18446744073709551615", .uint(.max)),
        ("18446744073709551616", .double(18446744073709551616.0)),
        ("-9223372036854775809", .double(-9223372036854775809.0)),
        ("1.0", .double(1)),
        ("1e2", .double(100)),
        ("1E+2", .double(100)),
        ("-2.5e-3", .double(-0.0025)),
        ("0.1", .double(0.1)),
        ("1e-400", .double(0)),
    ])
    func parsesNumbers(text: String, expected: JSONValue) throws {
        let value = try JSONValue(parsing: text)
        #expect(value == expected)
        #expect(value.kind == expected.kind)
    }

    @Test func integersStayIntegers() throws {
        let value = try JSONValue(parsing: #"[1,1.0,18446744073709551615,-9223372036854775808]"#)
        #expect(value[0]?.kind == .integer)
        #expect(value[1]?.kind == .double)
        #expect(value.jsonString == "[1,1.0,18446744073709551615,-9223372036854775808]")
        #expect(JSONValue.int(1) != JSONValue.double(1))
        #expect(JSONValue.uint(5) == JSONValue.int(5))
        #expect(JSONValue.uint(5).hashValue == JSONValue.int(5).hashValue)
    }

    /// Python `repr(float)` layout; expected strings were produced by CPython 3.
    @Test(arguments: [
        (0.0, "0.0"), (-0.0, "-0.0"), (1.0, "1.0"), (0.1, "0.1"), (-1.5, "-1.5"),
        (0.0001, "0.0001"), (0.00001, "1e-05"), (1.5e-7, "1.5e-07"), (123.456, "123.456"),
        (1e15, "1000000000000000.0"), (1e16, "1e+16"), (1.5e16, "1.5e+16"), (123456789012345678.0, "1.2345678901234568e+17"),
        (Double.leastNonzeroMagnitude, "5e-324"), (1.7976931348623157e308, "1.7976931348623157e+308"), (0.138522, "0.138522"),
        (2.5, "2.5"), (1e22, "1e+22"), (1e100, "1e+100"), (0.30000000000000004, "0.30000000000000004"),
    ])
    func writesDoublesLikePython(value: Double, expected: String) {
        #expect(JSONValue.double(value).jsonString == expected)
    }

    @Test func stringsSurviveEscapesSurrogatesAndNonBMP() throws {
        let text = #"["\"\\\/\b\f\n\r\t","\u00e9\u4e2d","\ud83d\ude00","😀🧪","\u0000\u001b\u007f","a\u2028b"]"#
        let value = try JSONValue(parsing: text)
        #expect(value[0] == "\"\\/\u{08}\u{0C}\n\r\t")
        #expect(value[1] == "é中")
        #expect(value[2] == "😀")
        #expect(value[3] == "😀🧪")
        #expect(value[4] == "\u{00}\u{1B}\u{7F}")
        // Written the Python way: raw UTF-8, only " \ and controls escaped.
        #expect(value.jsonString == "[\"\\\"\\\\/\\b\\f\\n\\r\\t\",\"é中\",\"😀\",\"😀🧪\",\"\\u0000\\u001b\u{7F}\",\"a\u{2028}b\"]")
    }

    @Test func accessorsAndLiterals() {
        let value: JSONValue = ["n": nil, "b": true, "i": 42, "d": 2.5, "s": "x", "a": [1, "two"], "o": ["k": "v"]]
        #expect(value["n"]?.isNull == true)
        #expect(value["b"]?.boolValue == true)
        #expect(value["i"]?.intValue == 42)
        #expect(value["i"]?.doubleValue == 42)
        #expect(value["d"]?.doubleValue == 2.5)
        #expect(value["d"]?.intValue == nil)
        #expect(value["s"]?.stringValue == "x")
        #expect(value["a"]?[1]?.stringValue == "two")
        #expect(value["a"]?[5] == nil)
        #expect(value["a"]?[-1] == nil)
        #expect(value["o"]?["k"] == "v")
        #expect(value["missing"] == nil)
        #expect(value[0] == nil)
        #expect(value.jsonString == #"{"n":null,"b":true,"i":42,"d":2.5,"s":"x","a":[1,"two"],"o":{"k":"v"}}"#)
    }

    @Test func objectMutationKeepsPositions() {
        var object: JSONObject = ["a": 1, "b": 2]
        object["a"] = 10
        object["c"] = 3
        object["b"] = nil
        #expect(JSONValue.object(object).jsonString == #"{"a":10,"c":3}"#)
        #expect(object.map(\.key) == ["a", "c"])
        #expect(JSONObject([("x", 1), ("y", 2)]).count == 2)
    }

    @Test func entryPointsAgree() throws {
        let text = #"{"k":[1,2,{"é":"😀"}]}"#
        let fromString = try JSONValue(parsing: text)
        let fromBytes = try JSONValue(parsing: Array(text.utf8))
        let fromData = try JSONValue(parsing: Data(text.utf8))
        let fromSlice = try JSONValue(parsing: Array(text.utf8)[...])
        #expect(fromSlice == fromString)
        let fromRaw = try Array(text.utf8).withUnsafeBytes { raw throws(JSONParseError) in try JSONValue(parsing: raw) }
        #expect(fromString == fromBytes && fromBytes == fromData && fromData == fromRaw)
        #expect(fromString.serialized() == Array(text.utf8))
        var buffer: [UInt8] = Array("x".utf8)
        fromString.write(into: &buffer)
        #expect(buffer == Array(("x" + text).utf8))
    }

    @Test func whitespaceAroundTokensIsAccepted() throws {
        let value = try JSONValue(parsing: " \t\r\n{ \"a\" : [ 1 , 2 ] , \"b\" : { } , \"c\" : [ ] }\n ")
        #expect(value.jsonString == #"{"a":[1,2],"b":{},"c":[]}"#)
    }
}
