import AgentSessions
import Foundation
import TestSupport

/// One step of a model-checked run: an operation, then a cheap read (or, every 100 steps, a full
/// comparison) that checks the store still agrees with the model.
struct ModelStep: Sendable, Hashable, CustomStringConvertible {
    var op: ModelOp
    var probe: ModelOp
    var description: String { "\(op)  ⟶ probe \(probe)" }
}

extension SplitMix64 {
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
    mutating func pickIfAny<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[below(items.count)] }
}

/// Generates operation sequences from a seed. Generation follows a model of its own, so that
/// appends, deletes and tags mostly hit sessions that exist, cutoffs land on stored dates, and
/// date bounds sometimes equal a stored `createdAt` exactly (the inclusive/exclusive edges).
struct ModelGenerator {
    static let validIDs = [
        "a", "b", "c", "s-1", "日本", "\u{E9}", "x.y", "a b", "CONSOLE", "Ωmega_1", String(repeating: "L", count: 200), "z",
    ]
    /// Every one breaks a documented id rule.
    static let invalidIDs = [
        "", ".", "..", "../x", "a/b", "a\\b", "a\u{0}b", "tab\there", "e\u{301}", "CON", "nul.txt", ".hidden",
        String(repeating: "x", count: 201), "trail ", "rtl\u{202E}x",
    ]
    static let validTags = ["a", "b", "urgent", "日本", "x y"]
    static let invalidTags = ["", " lead", "trail ", "bell\u{7}", String(repeating: "t", count: 101)]
    static let texts = ["hi", "Fix the bug", "日本語 ✓", "emoji 😀", "quote \" and \\", "two\nlines", "  padded  ", ""]
    static let costs = [0.0, 0.125, 0.25, 0.5, 1.5, 2.75, 3.0]

    var random: SplitMix64
    var model = StoreModel()

    init(seed: UInt64) { random = SplitMix64(state: seed) }

    /// The next `count` steps.
    mutating func steps(_ count: Int) -> [ModelStep] {
        (0..<count).map { index in
            let op = operation()
            _ = model.apply(op, cursor: nil)
            let probe = (index + 1) % 100 == 0 ? ModelOp.checkAll : self.probe()
            return ModelStep(op: op, probe: probe)
        }
    }

    // MARK: Pieces

    /// A quarter-second grid time near now.
    mutating func time(back days: Double, ahead: Double) -> Double {
        let span = Int((days + ahead) * 86_400 * 4)
        return model.now - days * 86_400 + Double(random.below(span + 1)) / 4
    }

    mutating func id() -> String {
        if random.chance(6) { return random.pick(Self.invalidIDs) }
        // Mostly ids that exist, so operations act on something.
        if random.chance(60), let existing = random.pickIfAny(model.sessions.keys.sorted()) { return existing }
        return random.pick(Self.validIDs)
    }

    mutating func tags(max: Int) -> [String] {
        (0..<random.below(max + 1)).map { _ in random.chance(4) ? random.pick(Self.invalidTags) : random.pick(Self.validTags) }
    }

    mutating func messages(max: Int) -> [MessageSpec] {
        (0..<random.below(max + 1)).map { _ in
            switch random.below(20) {
            case 0..<7: .user(random.pick(Self.texts))
            case 7..<14: .assistant(messageID: "msg_\(random.below(3))", model: random.chance(50) ? random.pick(["m-1", "m-2"]) : nil,
                                    text: random.pick(Self.texts))
            case 14..<17: .result(cost: random.pick(Self.costs))
            case 17..<19: .system(model: random.pick(["m-1", "m-2"]))
            default: .other(random.pick(Self.texts))
            }
        }
    }

    mutating func existingCreatedAt() -> Double? {
        random.pickIfAny(model.sessions.values.map { $0.metadata.createdAt.timeIntervalSince1970 - modelEpoch }.sorted())
    }

    mutating func query() -> QuerySpec {
        var q = QuerySpec()
        if random.chance(45) {
            q.tags = (0...random.below(2)).map { _ in random.chance(10) ? "missing" : random.pick(Self.validTags) }
            q.matchAll = random.chance(50)
        }
        if random.chance(25) { q.after = random.chance(50) ? existingCreatedAt() : time(back: 3, ahead: 1) }
        if random.chance(25) { q.before = random.chance(50) ? existingCreatedAt() : time(back: 3, ahead: 1) }
        if random.chance(20) { q.minCost = random.pick(Self.costs) }
        if random.chance(20) { q.maxCost = random.pick(Self.costs) }
        q.sort = random.pick(SortSpec.allCases)
        q.limit = random.chance(30) ? nil : random.pick([0, 1, 2, 3, 5, 8, -1])
        q.continues = random.chance(45)
        return q
    }

    mutating func writeOperation() -> ModelOp {
        switch random.below(100) {
        case 0..<35:
            var tags = tags(max: 3)
            if random.chance(20) { tags += tags }  // duplicates are collapsed
            return .save(
                id: id(), messages: messages(max: 5), tags: tags, summary: random.chance(20) ? random.pick(Self.texts) : nil,
                createdAt: random.chance(25) ? time(back: 3, ahead: 1) : nil, updatedAt: random.chance(25) ? time(back: 3, ahead: 1) : nil)
        case 35..<70:
            return .append(id: id(), messages: messages(max: 3), at: random.chance(20) ? time(back: 3, ahead: 1) : nil)
        case 70..<80:
            return .delete(id: id())
        case 80..<93:
            return .tag(id: id(), add: tags(max: 2), remove: (0..<random.below(3)).map { _ in random.pick(Self.validTags + ["missing"]) })
        default:
            return cleanup()
        }
    }

    mutating func cleanup() -> ModelOp {
        let advance: Double = random.chance(50) ? 0 : Double(random.below(2 * 86_400 * 4)) / 4
        var maxAge: Double = random.pick([3_600.0, 86_400.0, 172_800.0, 604_800.0])
        if random.chance(40), let edge = random.pickIfAny(model.sessions.values.map(\.metadata.updatedAt).sorted()) {
            // The cutoff lands exactly on a stored updatedAt: that session must be kept.
            let age = model.now + advance - (edge.timeIntervalSince1970 - modelEpoch)
            if age >= 0 { maxAge = age }
        }
        return .cleanup(advance: advance, maxAge: maxAge, dryRun: random.chance(25))
    }

    mutating func operation() -> ModelOp {
        switch random.below(1_000) {
        case 0..<700: return writeOperation()
        case 700..<830: return .search(query())
        case 830..<870: return .load(id: id())
        case 870..<900: return .metadata(id: id())
        case 900..<915: return .stats
        case 915..<950: return .advanceClock(seconds: random.chance(30) ? 0.25 : Double(1 + random.below(86_400 * 4)) / 4)
        case 950..<988: return .crash(writeOperation(), random.chance(50) ? .beforeWriting : .afterWriting)
        default: return .reopen(dropSnapshot: random.chance(40))
        }
    }

    mutating func probe() -> ModelOp {
        switch random.below(10) {
        case 0..<4: return .load(id: id())
        case 4..<6: return .metadata(id: id())
        default:
            var q = query()
            q.continues = false
            return .search(q)
        }
    }
}
