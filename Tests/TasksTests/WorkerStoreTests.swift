import Database
import Testing

@testable import Tasks

/// A run's writes (its lease, its outcome, giving it back) name the claim they belong to: a run
/// that lost its task never writes over the run that replaced it, in each way a later run can
/// repeat the same worker and attempt.
@Suite(.serialized) struct WorkerStoreTests {
    enum Replacement: String, CaseIterable, Sendable {
        /// The same worker takes its own expired task back, as attempt 2.
        case sameWorkerNextAttempt
        /// The lost run was the last attempt; staff retry it and the same worker takes it as
        /// attempt 1 again: the worker and attempt pair repeats exactly.
        case staffRetryRestartsAtAttemptOne
    }

    @Test(arguments: Replacement.allCases)
    func aStaleRunWritesNothingOverTheRunThatReplacedIt(_ replacement: Replacement) async throws {
        try await withTaskDatabase { database async throws in
            let maxAttempts = replacement == .sameWorkerNextAttempt ? 3 : 1
            let id = try await TaskWorkerTests.enqueue(.init(key: "stale"), database, maxAttempts: maxAttempts)
            let store = WorkerStore(database: database, worker: "one-worker", lease: .milliseconds(1))
            let stale = try #require(try await store.claim(queues: ["default"], limit: 1).first)
            // The lease has run out once the server's clock passed it.
            #expect(try await eventually { try await store.reclaimExpired() == 1 })
            if replacement == .staffRetryRestartsAtAttemptOne {
                #expect(try await state(of: id, in: database).0 == "failed")
                #expect(try await TaskQueue.retry(id, on: database))
            }
            let renewing = WorkerStore(database: database, worker: "one-worker", lease: .seconds(60))
            let fresh = try #require(try await renewing.claim(queues: ["default"], limit: 1).first)
            #expect(fresh.id == stale.id && fresh.claim != stale.claim)
            #expect(fresh.attempt == (replacement == .sameWorkerNextAttempt ? 2 : 1))

            #expect(try await renewing.renew([stale.claim, fresh.claim]) == [stale.claim])
            #expect(try await !store.succeeded(stale, result: "stale"))
            #expect(try await !store.failed(stale, error: "stale", retryAfter: .zero))
            try await store.giveBack([stale.claim])
            #expect(try await state(of: id, in: database).0 == "running")

            #expect(try await renewing.succeeded(fresh, result: "fresh"))
            let row = try await database.query("SELECT state, result #>> '{}' FROM tasks WHERE id = \(id)")[0]
            #expect(try row.decode((String, String).self) == ("succeeded", "fresh"))
        }
    }

    /// One batch of successes records the runs still held and answers which: a stale run in the
    /// same batch is left out, and results with a NUL, quotes, backslashes or any script are
    /// stored (the NUL replaced).
    @Test func aBatchRecordsOnlyTheRunsStillHeld() async throws {
        try await withTaskDatabase { database async throws in
            for key in ["a", "b", "c"] { _ = try await TaskWorkerTests.enqueue(.init(key: key), database) }
            let store = WorkerStore(database: database, worker: "batcher", lease: .milliseconds(1))
            let first = try await store.claim(queues: ["default"], limit: 3)
            #expect(first.count == 3)
            #expect(try await eventually { try await store.reclaimExpired() == 3 })
            let renewed = WorkerStore(database: database, worker: "batcher", lease: .seconds(60))
            let second = try await renewed.claim(queues: ["default"], limit: 2)
            let results = ["nul \u{0} here", #"quote " back \ slash, {"json": [1]}"#, "日本語 🎉 \u{202E}"]
            let batch =
                second.enumerated().map { ($0.element, Optional(results[$0.offset])) }
                + [(first[2], Optional(results[2]))]
            let recorded = try await renewed.succeeded(batch)
            #expect(recorded == Set(second.map(\.claim)))
            let stored = try await database.query(
                "SELECT result #>> '{}' FROM tasks WHERE state = 'succeeded' ORDER BY id"
            ).map { try $0.decode(String.self) }
            #expect(stored == ["nul \u{FFFD} here", results[1]])
        }
    }
}
