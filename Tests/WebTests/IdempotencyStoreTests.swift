import Database
import Foundation
import Migrations
import TestSupport
import Testing

@testable import Web

/// The SQL under `IdempotentWrite`, for what a test through HTTP cannot time: an answer kept by
/// another request after this one looked.
@Suite struct IdempotencyStoreTests {
    private func withStore(_ body: (IdempotencyStore, Database) async throws -> Void) async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator(database: database, apps: [try .web]).up()
                try await body(IdempotencyStore(database: database), database)
            }
        }
    }

    /// The lookup's snapshot is taken before its lock, so a write can miss an answer committed
    /// between the two; keeping its own answer then finds the live one through the primary key
    /// and says no, so the write rolls back. An answer past its day is replaced.
    @Test func keepingMeetsALiveAnswerTheLookupMissedAndReplacesAnExpiredOne() async throws {
        try await withStore { store, database in
            let key = try #require(IdempotencyKey("k-1"))
            let first = KeptAnswer.json(.ok, Array(#"{"votes":1}"#.utf8))
            let fingerprint = Data(repeating: 1, count: 32)
            let day = Duration.seconds(86_400)
            #expect(
                try await database.transaction { transaction in
                    try await store.keep(
                        first, for: key, of: "address:192.0.2.1", fingerprint: fingerprint, lifetime: day,
                        in: transaction)
                })
            let second = KeptAnswer.json(.ok, Array(#"{"votes":2}"#.utf8))
            #expect(
                try await database.transaction { transaction in
                    try await store.keep(
                        second, for: key, of: "address:192.0.2.1", fingerprint: fingerprint, lifetime: day,
                        in: transaction)
                } == false)
            // Another client's key of the same spelling is its own.
            #expect(
                try await database.transaction { transaction in
                    try await store.keep(
                        second, for: key, of: "address:192.0.2.2", fingerprint: fingerprint, lifetime: day,
                        in: transaction)
                })
            try await database.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
            #expect(
                try await database.transaction { transaction in
                    try await store.keep(
                        second, for: key, of: "address:192.0.2.1", fingerprint: fingerprint, lifetime: day,
                        in: transaction)
                })
            let kept = try await database.transaction { transaction in
                try await store.lockAndRead(key, of: "address:192.0.2.1", within: day, in: transaction)
            }
            #expect(kept.locked && kept.kept?.answer == second)
            #expect(try await store.prune(olderThan: day) == 1)
        }
    }
}
