import Foundation
import LinkwellCore
import LinkwellStorage
import LinkwellTesting
import Testing

/// `CaseStore.loadCase` reads a case from one snapshot: while a writer applies changes, every load is
/// exactly one of the states the case passed through, never the referral row of one state with the
/// child rows (contacts, events, goals, messages) of another.
@Suite("A case is loaded from one snapshot", .closesStores)
struct CaseSnapshotTests {
    @Test("Loads during concurrent changes always see a whole state", arguments: TestBackend.available)
    func wholeStates(backend: TestBackend) async throws {
        let s = try await TestScheme.make(backend)
        let id = try await s.engagedReferral()
        let lw = Principal(s.linkWorker)
        // The changes, and every state they lead through, worked out beforehand.
        var state = try #require(try await s.store.loadCase(id))
        var states = [state], changes: [CaseChange] = []
        for step in 0..<40 {
            s.clock.advance(seconds: 600)
            let change = step == 0
                ? try state.agreePlan(PlanInput(whatMatters: "Step \(step)", goals: ["Goal \(step)"]), by: lw, env: s.env)
                : try state.recordContact(ContactInput(mode: "phone", durationMinutes: 10 + step, successful: true, notes: "Call \(step)"),
                                          by: lw, env: s.env)
            state = change.applied(to: state)
            changes.append(change)
            states.append(state)
        }

        let store = s.store, done = Flag(), allStates = states, allChanges = changes
        let writer = Task {
            defer { done.set() }
            for change in allChanges { try await store.apply(change) }
        }
        let loaders = (0..<3).map { _ in
            Task { () -> (versions: Set<Int>, torn: [String]) in
                var loads = 0, versions = Set<Int>(), torn: [String] = []
                repeat {
                    let loaded = try #require(try await store.loadCase(id))
                    loads += 1
                    versions.insert(loaded.referral.version)
                    if !allStates.contains(loaded) {
                        torn.append("version \(loaded.referral.version), \(loaded.contacts.count) contacts, \(loaded.events.count) events, \(loaded.goals.count) goals")
                    }
                } while !done.isSet && loads < 5000
                return (versions, torn)
            }
        }
        try await writer.value
        var versions = Set<Int>()
        for loader in loaders {
            let result = try await loader.value
            versions.formUnion(result.versions)
            #expect(result.torn.isEmpty, "torn reads: \(result.torn.prefix(5))")
        }
        // The in-memory store's actor applies all 40 changes before a loader gets a turn; on SQL the
        // loads and the writes interleave.
        if backend != .memory { #expect(versions.count > 3, "the loads overlapped the writes: versions seen \(versions.sorted())") }
        #expect(try await store.loadCase(id) == states.last)
        try await store.shutdown()
    }
}

/// A flag one task raises and others read.
private final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var raised = false
    var isSet: Bool { lock.withLock { raised } }
    func set() { lock.withLock { raised = true } }
}
