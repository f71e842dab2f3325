import Testing
@testable import Supervision

/// OTP's decision table, checked on the pure logic for every strategy × restart type × exit kind.
/// Children in start order: a (permanent), b (the type under test; it exits), c (permanent),
/// d (temporary). All are active.
@Suite("Restart decision table")
struct RestartDecisionTests {
    struct Row: Sendable, CustomTestStringConvertible {
        var strategy: Supervisor.Strategy
        var type: RestartType
        var exit: ExitKind
        var stop: [String]
        var restart: [String]
        var drop: [String]
        var testDescription: String { "\(strategy) \(type) \(exit)" }
    }

    static let all = ["d", "c", "a"]
    static let rows: [Row] = [
        // oneForOne: only b, if its type says so.
        Row(strategy: .oneForOne, type: .permanent, exit: .normal, stop: [], restart: ["b"], drop: []),
        Row(strategy: .oneForOne, type: .permanent, exit: .abnormal, stop: [], restart: ["b"], drop: []),
        Row(strategy: .oneForOne, type: .permanent, exit: .shutdown, stop: [], restart: ["b"], drop: []),
        Row(strategy: .oneForOne, type: .transient, exit: .normal, stop: [], restart: [], drop: []),
        Row(strategy: .oneForOne, type: .transient, exit: .abnormal, stop: [], restart: ["b"], drop: []),
        Row(strategy: .oneForOne, type: .transient, exit: .shutdown, stop: [], restart: [], drop: []),
        Row(strategy: .oneForOne, type: .temporary, exit: .normal, stop: [], restart: [], drop: ["b"]),
        Row(strategy: .oneForOne, type: .temporary, exit: .abnormal, stop: [], restart: [], drop: ["b"]),
        Row(strategy: .oneForOne, type: .temporary, exit: .shutdown, stop: [], restart: [], drop: ["b"]),
        // oneForAll: stop the others in reverse, restart all but the temporary d, drop d.
        Row(strategy: .oneForAll, type: .permanent, exit: .normal, stop: all, restart: ["a", "b", "c"], drop: ["d"]),
        Row(strategy: .oneForAll, type: .permanent, exit: .abnormal, stop: all, restart: ["a", "b", "c"], drop: ["d"]),
        Row(strategy: .oneForAll, type: .permanent, exit: .shutdown, stop: all, restart: ["a", "b", "c"], drop: ["d"]),
        Row(strategy: .oneForAll, type: .transient, exit: .normal, stop: [], restart: [], drop: []),
        Row(strategy: .oneForAll, type: .transient, exit: .abnormal, stop: all, restart: ["a", "b", "c"], drop: ["d"]),
        Row(strategy: .oneForAll, type: .transient, exit: .shutdown, stop: [], restart: [], drop: []),
        Row(strategy: .oneForAll, type: .temporary, exit: .normal, stop: [], restart: [], drop: ["b"]),
        Row(strategy: .oneForAll, type: .temporary, exit: .abnormal, stop: [], restart: [], drop: ["b"]),
        Row(strategy: .oneForAll, type: .temporary, exit: .shutdown, stop: [], restart: [], drop: ["b"]),
        // restForOne: stop those after b in reverse, restart b and c, drop d.
        Row(strategy: .restForOne, type: .permanent, exit: .normal, stop: ["d", "c"], restart: ["b", "c"], drop: ["d"]),
        Row(strategy: .restForOne, type: .permanent, exit: .abnormal, stop: ["d", "c"], restart: ["b", "c"], drop: ["d"]),
        Row(strategy: .restForOne, type: .permanent, exit: .shutdown, stop: ["d", "c"], restart: ["b", "c"], drop: ["d"]),
        Row(strategy: .restForOne, type: .transient, exit: .normal, stop: [], restart: [], drop: []),
        Row(strategy: .restForOne, type: .transient, exit: .abnormal, stop: ["d", "c"], restart: ["b", "c"], drop: ["d"]),
        Row(strategy: .restForOne, type: .transient, exit: .shutdown, stop: [], restart: [], drop: []),
        Row(strategy: .restForOne, type: .temporary, exit: .normal, stop: [], restart: [], drop: ["b"]),
        Row(strategy: .restForOne, type: .temporary, exit: .abnormal, stop: [], restart: [], drop: ["b"]),
        Row(strategy: .restForOne, type: .temporary, exit: .shutdown, stop: [], restart: [], drop: ["b"]),
    ]

    static func children(_ type: RestartType) -> [RestartDecision.Child] {
        [
            .init(id: "a", restart: .permanent, isActive: true),
            .init(id: "b", restart: type, isActive: true),
            .init(id: "c", restart: .permanent, isActive: true),
            .init(id: "d", restart: .temporary, isActive: true),
        ]
    }

    @Test("the table covers every combination once")
    func tableIsComplete() {
        let keys = Set(Self.rows.map { "\($0.strategy) \($0.type) \($0.exit)" })
        #expect(keys.count == Supervisor.Strategy.allCases.count * RestartType.allCases.count * ExitKind.allCases.count)
        #expect(Self.rows.count == keys.count)
    }

    @Test("OTP's answer", arguments: rows)
    func plan(_ row: Row) {
        let plan = RestartDecision(strategy: row.strategy).plan(after: "b", exit: row.exit, children: Self.children(row.type))
        #expect(plan == RestartDecision.Plan(stop: row.stop, restart: row.restart, drop: row.drop))
    }

    @Test("siblings that are not active are neither stopped nor restarted", arguments: [Supervisor.Strategy.oneForAll, .restForOne])
    func inactiveSiblingsAreLeftAlone(_ strategy: Supervisor.Strategy) {
        let children: [RestartDecision.Child] = [
            .init(id: "a", restart: .permanent, isActive: true),
            .init(id: "b", restart: .permanent, isActive: true),
            .init(id: "c", restart: .transient, isActive: false),
            .init(id: "d", restart: .permanent, isActive: true),
        ]
        let plan = RestartDecision(strategy: strategy).plan(after: "b", exit: .abnormal, children: children)
        #expect(!plan.stop.contains("c"))
        #expect(!plan.restart.contains("c"))
        #expect(plan.restart.last == "d")
    }

    @Test("an unknown child gives an empty plan")
    func unknownChild() {
        let plan = RestartDecision(strategy: .oneForAll).plan(after: "x", exit: .abnormal, children: Self.children(.permanent))
        #expect(plan == RestartDecision.Plan())
    }

    @Test("killed counts as a shutdown exit")
    func killedIsShutdown() {
        #expect(ExitReason.killed.kind == .shutdown)
        #expect(ExitReason.abnormal(Boom()).kind == .abnormal)
    }
}
