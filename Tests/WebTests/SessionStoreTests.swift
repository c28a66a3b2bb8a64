import Database
import Migrations
import TestSupport
import Testing

@testable import Web

/// Sessions in PostgreSQL: anonymous ones with values of the app's own, a new token at sign-in
/// that keeps them, expiry, and nothing but a digest of the token in the table.
@Suite struct SessionStoreTests {
    private func withSessions(
        lifetime: Duration = .seconds(3_600), _ body: (SessionStore, Database) async throws -> Void
    )
        async throws
    {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator(database: database, apps: [try .web]).up()
                try await body(SessionStore(database: database, lifetime: lifetime), database)
            }
        }
    }

    @Test func anAnonymousSessionKeepsTheAppsValues() async throws {
        try await withSessions { sessions, database in
            let token = try await sessions.start(userID: nil, data: ["theme": "dark", "quote": "\"<&>\\é\u{1}"])
            var session = try #require(try await sessions.find(token: token))
            #expect(session.userID == nil)
            #expect(session.data == ["theme": "dark", "quote": "\"<&>\\é\u{1}"])
            await #expect(throws: DatabaseError.self) { try await sessions.start(userID: nil, data: ["x": "a\u{0}"]) }
            #expect(RandomToken.isWellFormed(session.csrfToken) && session.csrfToken != token)
            session.data["seen"] = "7"
            try await sessions.save(session)
            #expect(try await sessions.find(token: token)?.data["seen"] == "7")
            let key = try await database.query("SELECT id FROM sessions")[0].decode(column: 0, as: String.self)
            #expect(key == SessionStore.key(for: token) && key != token)
        }
    }

    @Test func signingInChangesTheTokenAndKeepsTheValues() async throws {
        try await withSessions { sessions, _ in
            let anonymous = try await sessions.start(userID: nil, data: ["cart": "3"])
            let signedIn = try await sessions.start(userID: 42, data: ["welcome": "yes"], replacing: anonymous)
            #expect(signedIn != anonymous)
            #expect(try await sessions.find(token: anonymous) == nil)
            let session = try #require(try await sessions.find(token: signedIn))
            #expect(session.userID == 42)
            #expect(session.data == ["cart": "3", "welcome": "yes"])
            // A planted or unknown token carries nothing over, nor does another user's session.
            let fresh = try await sessions.start(userID: 7, replacing: String(repeating: "a", count: 64))
            #expect(try await sessions.find(token: fresh)?.data == [:])
            let theirs = try await sessions.start(userID: 8, data: ["secret": "theirs"])
            let mine = try await sessions.start(userID: 9, replacing: theirs)
            #expect(try await sessions.find(token: theirs) == nil)
            #expect(try await sessions.find(token: mine)?.data == [:])
            try await sessions.end(token: signedIn)
            #expect(try await sessions.find(token: signedIn) == nil)
        }
    }

    @Test func expiredMalformedAndUnknownTokensFindNothing() async throws {
        try await withSessions(lifetime: .seconds(60)) { sessions, database in
            let token = try await sessions.start(userID: nil)
            for bad in ["", "x", token.uppercased(), String(token.dropLast()), token + "0", "\(token.dropLast())\u{0}"]
            {
                #expect(try await sessions.find(token: bad) == nil, "\(bad.debugDescription)")
            }
            try await database.query("UPDATE sessions SET expires_at = now() - interval '1 second'")
            #expect(try await sessions.find(token: token) == nil)
            // Expired rows go when the next session starts.
            _ = try await sessions.start(userID: nil)
            #expect(try await database.query("SELECT count(*) FROM sessions")[0].decode(column: 0, as: Int.self) == 1)
        }
    }

    @Test func endingAUsersSessionsEndsThemAll() async throws {
        try await withSessions { sessions, database in
            let first = try await sessions.start(userID: 5)
            let second = try await sessions.start(userID: 5)
            let other = try await sessions.start(userID: 6)
            try await sessions.endAll(userID: 5, in: database)
            #expect(try await sessions.find(token: first) == nil)
            #expect(try await sessions.find(token: second) == nil)
            #expect(try await sessions.find(token: other) != nil)
        }
    }

    /// Without a periodic job a session's start deletes the expired ones; with one
    /// (`prunesWhenStarting: false`), they stay for ``SessionStore/deleteExpired(batch:)``,
    /// which deletes every one of them, batch after batch, and nothing live.
    @Test(arguments: [true, false])
    func expiredSessionsGoAtAStartOrInBatchesByTheApp(_ prunesWhenStarting: Bool) async throws {
        try await withSessions { _, database in
            try await database.query(
                """
                INSERT INTO sessions (id, user_id, csrf_token, data, expires_at)
                SELECT 'expired-' || n, NULL, 't', '{}', now() - interval '1 second' FROM generate_series(1, 5) n
                """)
            let sessions = SessionStore(database: database, prunesWhenStarting: prunesWhenStarting)
            _ = try await sessions.start(userID: nil)
            let expired: Query = "SELECT count(*)::bigint FROM sessions WHERE expires_at < now()"
            #expect(try await database.query(expired)[0].decode(Int.self) == (prunesWhenStarting ? 0 : 5))
            #expect(try await sessions.deleteExpired(batch: 2) == (prunesWhenStarting ? 0 : 5))
            #expect(try await database.query(expired)[0].decode(Int.self) == 0)
            #expect(try await database.query("SELECT count(*)::bigint FROM sessions")[0].decode(Int.self) == 1)
        }
    }
}
