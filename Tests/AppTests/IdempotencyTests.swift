import Auth
import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Migrations
import TestSupport
import Testing
import Web
import WebTesting

@testable import App

/// `Idempotency-Key` on the API's writes and the vote form's key: a write sent again is done
/// once, against a real PostgreSQL.
@Suite struct IdempotencyTests {
    private static let json: HTTPFields = [.contentType: "application/json"]

    /// POSTs a vote for `choice` of `question`, with `key` as the header when given.
    private static func vote(
        _ client: some TestClientProtocol, question: Int, choice: Int, key: String? = nil
    ) async throws -> TestResponse {
        var headers = json
        if let key { headers[.idempotencyKey] = key }
        return try await client.execute(
            uri: "/api/questions/\(question)/votes", method: .post, headers: headers,
            body: ByteBuffer(string: #"{"choice_id": \#(choice)}"#))
    }

    private static func votes(_ database: Database, choice: Int) async throws -> Int {
        try await database.query("SELECT votes FROM choices WHERE id = \(choice)")[0].decode(Int.self)
    }

    @Test func aVoteSentAgainWithItsKeyIsCountedOnceAndAnsweredAlike() async throws {
        try await PollsSite.with { client, store, _ in
            let question = try #require(try await store.question(id: 1))
            let choice = question.choices[0].id
            let first = try await Self.vote(client, question: 1, choice: choice, key: "vote-4c1d-1")
            #expect(first.status == .ok)
            #expect(first.headers[.idempotentReplayed] == nil)
            for _ in 0..<3 {
                let again = try await Self.vote(client, question: 1, choice: choice, key: "vote-4c1d-1")
                #expect(again.status == .ok)
                #expect(String(buffer: again.body) == String(buffer: first.body))
                #expect(again.headers[.idempotentReplayed] == "true")
                #expect(again.headers[.contentType] == "application/json")
            }
            #expect(try await Self.votes(store.database, choice: choice) == 1)
            // Another key is another vote; no key, a vote each time.
            #expect(
                try PollsSite.json(try await Self.vote(client, question: 1, choice: choice, key: "vote-4c1d-2"))[
                    "votes"] as? Int == 2)
            _ = try await Self.vote(client, question: 1, choice: choice)
            _ = try await Self.vote(client, question: 1, choice: choice)
            #expect(try await Self.votes(store.database, choice: choice) == 4)
        }
    }

    @Test func aKeyUsedForAnotherRequestIsRefusedAndChangesNothing() async throws {
        try await PollsSite.with { client, store, _ in
            let one = try #require(try await store.question(id: 1))
            let two = try #require(try await store.question(id: 2))
            #expect(try await Self.vote(client, question: 1, choice: one.choices[0].id, key: "k").status == .ok)
            for (question, choice) in [(1, one.choices[1].id), (2, two.choices[0].id)] {
                let reused = try await Self.vote(client, question: question, choice: choice, key: "k")
                #expect(reused.status == .unprocessableContent)
                #expect(try PollsSite.errorCode(reused) == "idempotency_key_reused")
            }
            // The same choice in other bytes is another body: a client sends its retry as it was.
            let respaced = try await client.execute(
                uri: "/api/questions/1/votes", method: .post,
                headers: [.contentType: "application/json", .idempotencyKey: "k"],
                body: ByteBuffer(string: #"{ "choice_id":\#(one.choices[0].id) }"#))
            #expect(respaced.status == .unprocessableContent)
            let counts = try await store.database.query("SELECT sum(votes)::bigint FROM choices")[0].decode(Int.self)
            #expect(counts == 1)
        }
    }

    /// A refusal (a choice of another question, a closed question) changes nothing and keeps
    /// nothing: the key still does the write once the request is right.
    @Test func aRefusedWriteLeavesItsKeyUnused() async throws {
        try await PollsSite.with { client, store, _ in
            let one = try #require(try await store.question(id: 1))
            let two = try #require(try await store.question(id: 2))
            let wrong = try await Self.vote(client, question: 1, choice: two.choices[0].id, key: "retry-me")
            #expect(wrong.status == .unprocessableContent)
            #expect(try PollsSite.errorCode(wrong) == "invalid")
            try await store.database.query("UPDATE questions SET closed = true WHERE id = 1")
            #expect(
                try await Self.vote(client, question: 1, choice: one.choices[0].id, key: "retry-me").status == .conflict
            )
            try await store.database.query("UPDATE questions SET closed = false WHERE id = 1")
            #expect(try await Self.vote(client, question: 1, choice: one.choices[0].id, key: "retry-me").status == .ok)
            #expect(
                try await store.database.query("SELECT count(*)::bigint FROM idempotency_keys")[0].decode(Int.self) == 1
            )
        }
    }

    /// While the first request under a key is still at work (its vote waits for a row this
    /// test keeps locked), a second gets 409 with `Retry-After` at once; once the first is
    /// done, the third gets its answer.
    @Test(.timeLimit(.minutes(1))) func aKeyStillAtWorkIs409WithRetryAfter() async throws {
        try await PollsSite.with { client, store, _ in
            let choice = try #require(try await store.question(id: 1)).choices[0].id
            let lock = await HeldLock.take("SELECT id FROM choices WHERE id = \(choice) FOR UPDATE", on: store.database)
            let first = Task { try await Self.vote(client, question: 1, choice: choice, key: "slow-1") }
            // The first holds the key's lock and waits for the row (in this test's own database:
            // other suites' advisory locks, a migration's, live on the same server).
            #expect(
                try await HeldLock.waitingBackend(running: "UPDATE choices SET votes", on: store.database) != nil)
            let second = try await Self.vote(client, question: 1, choice: choice, key: "slow-1")
            #expect(second.status == .conflict)
            #expect(second.headers[.retryAfter] == "1")
            #expect(try PollsSite.errorCode(second) == "idempotency_key_in_use")
            try await lock.release()
            let answered = try await first.value
            #expect(answered.status == .ok)
            let third = try await Self.vote(client, question: 1, choice: choice, key: "slow-1")
            #expect(third.headers[.idempotentReplayed] == "true")
            #expect(String(buffer: third.body) == String(buffer: answered.body))
            #expect(try await Self.votes(store.database, choice: choice) == 1)
        }
    }

    /// The polls site on a cluster of the test's own, with one question: its id and first choice,
    /// the cluster's pool, and the site's client. For tests that crash or reconfigure the server.
    private static func onPrivateCluster(
        _ text: String, before serving: @Sendable (_ url: String, Database) async throws -> Void = { _, _ in },
        _ body: @Sendable (any TestClientProtocol, Database, _ question: Int, _ choice: Int) async throws -> Void
    ) async throws {
        try await PrivateCluster.with { cluster in
            try await TestDatabase.with(url: cluster.url) { database in
                try await Migrator.ballot(database).up()
                let store = QuestionStore(database: database)
                let id = try await store.create(text: text, choices: ["Yes", "No"])
                let choice = try #require(try await store.question(id: id)).choices[0].id
                // On disk before a crash: the test cluster commits without waiting for it.
                try await database.query("CHECKPOINT")
                try await serving(cluster.url, database)
                try await PollsSite.serve(url: cluster.url) { client in try await body(client, database, id, choice) }
            }
        }
    }

    /// The database connection breaks while a keyed vote is in flight (its backend is killed
    /// while it waits for a row, on a cluster of the test's own): 503 `outcome_unknown`, now
    /// with `Retry-After`, since sending it again with the key is safe; the retry counts it once.
    @Test(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres"), .timeLimit(.minutes(2)))
    func aKeyedWriteWhoseOutcomeIsUnknownIsSafeToSendAgain() async throws {
        try await Self.onPrivateCluster("Lost?") { client, database, id, choice in
            let lock = await HeldLock.take("SELECT id FROM choices WHERE id = \(choice) FOR UPDATE", on: database)
            let first = Task { try await Self.vote(client, question: id, choice: choice, key: "lost-1") }
            let waiting = try await HeldLock.waitingBackend(running: "UPDATE choices SET votes", on: database)
            // SIGKILL: the connection ends with no error message, as when a server dies.
            kill(try #require(waiting), SIGKILL)
            let lost = try await first.value
            #expect(lost.status == .serviceUnavailable)
            #expect(try PollsSite.errorCode(lost) == "outcome_unknown")
            #expect(lost.headers[.retryAfter] == "1")
            try? await lock.release()  // its connection went with the server's restart
            // What a careful client does: the same request with the same key until it
            // has an answer; the server restarts after the kill, so a few may be 503.
            var retried = try await Self.vote(client, question: id, choice: choice, key: "lost-1")
            let recovering = ContinuousClock.now + .seconds(60)
            while retried.status == .serviceUnavailable, ContinuousClock.now < recovering {
                try await Task.sleep(for: .milliseconds(200))
                retried = try await Self.vote(client, question: id, choice: choice, key: "lost-1")
            }
            #expect(retried.status == .ok)
            #expect(retried.headers[.idempotentReplayed] == nil)
            let again = try await Self.vote(client, question: id, choice: choice, key: "lost-1")
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(String(buffer: again.body) == String(buffer: retried.body))
            var counted: Int?
            while counted == nil, ContinuousClock.now < recovering {
                counted = try? await Self.votes(database, choice: choice)
            }
            #expect(counted == 1)
        }
    }

    /// The write committed but its answer was lost: the primary waits for a synchronous
    /// standby that never comes, and the session is terminated while it waits (as a failover
    /// does), after the commit reached the primary's disk. The client hears 503
    /// `outcome_unknown`; sending it again with its key gets the first answer back, and the vote
    /// counts once. Without the key it would have counted twice.
    @Test(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres"), .timeLimit(.minutes(2)))
    func aWriteWhoseAnswerWasLostIsAnsweredFromItsKey() async throws {
        // The test cluster commits without waiting (synchronous_commit off): wait here, from the
        // site's first connection on. A reload reaches running sessions whenever they next read
        // a command, so the settings are in place before the site connects: a session of its
        // own sees them.
        let waitForAStandby: @Sendable (String, Database) async throws -> Void = { url, database in
            try await database.query("ALTER SYSTEM SET synchronous_commit = on")
            try await database.query("ALTER SYSTEM SET synchronous_standby_names = 'nobody'")
            try await database.query("SELECT pg_reload_conf()")
            var applied = false
            let deadline = ContinuousClock.now + .seconds(30)
            while !applied, ContinuousClock.now < deadline {
                try await TestDatabase.with(url: url, poolSize: 1) { fresh in
                    applied = try await fresh.query("SHOW synchronous_standby_names")[0].decode(String.self) == "nobody"
                }
                if !applied { try await Task.sleep(for: .milliseconds(50)) }
            }
        }
        try await Self.onPrivateCluster("Committed?", before: waitForAStandby) { client, database, id, choice in
            let first = Task { try await Self.vote(client, question: id, choice: choice, key: "committed-1") }
            let waiting = try await HeldLock.waitingBackend(
                running: "COMMIT", for: "SyncRep", on: database, timeout: .seconds(60))
            let sessions = try await database.query(
                "SELECT string_agg(concat_ws(' ', pid, state, wait_event, left(query, 40)), '; ') FROM pg_stat_activity"
            )[0].decode(String?.self)
            try await database.query(
                "SELECT pg_terminate_backend(\(try #require(waiting, "no COMMIT waits: \(sessions ?? "-")")))")
            let lost = try await first.value
            #expect(lost.status == .serviceUnavailable)
            #expect(try PollsSite.errorCode(lost) == "outcome_unknown")
            #expect(lost.headers[.retryAfter] == "1")
            try await database.query("ALTER SYSTEM RESET synchronous_standby_names")
            try await database.query("ALTER SYSTEM RESET synchronous_commit")
            try await database.query("SELECT pg_reload_conf()")
            #expect(try await Self.votes(database, choice: choice) == 1, "the first attempt committed")
            let retried = try await Self.vote(client, question: id, choice: choice, key: "committed-1")
            #expect(retried.status == .ok)
            #expect(retried.headers[.idempotentReplayed] == "true")
            #expect(try PollsSite.json(retried)["votes"] as? Int == 1)
            #expect(try await Self.votes(database, choice: choice) == 1)
        }
    }

    /// Every key that is not 1–255 visible ASCII characters, and two key fields, are 400 and
    /// count nothing: sent as raw bytes to the real process, since a client library's header
    /// type would clean them first. Every hostile string that is visible ASCII is a key like any
    /// other.
    @Test(.timeLimit(.minutes(2))) func malformedKeysAreRefusedAndCountNothing() async throws {
        let malformed =
            [
                "", "a b", "tab\there", "é", "ключ", "🔑", "del\u{7F}", "nul\u{0}", "\u{0}", "bell\u{7}", "esc\u{1B}[0m",
                "vt\u{B}", "ff\u{C}", "c1\u{85}", String(repeating: "k", count: 256),
            ]
            + HostileInput.badText.filter { text in
                !text.contains("\n") && !text.utf8.allSatisfy { (0x21...0x7E).contains($0) }
            }
        try await PollsSite.with(questions: 1) { client, store, url in
            let choice = try #require(try await store.question(id: 1)).choices[0].id
            let (server, base) = try await PollsSite.startServer(databaseURL: url)
            defer { server.signal(SIGKILL) }
            let port = try #require(URLComponents(string: base)?.port)
            let body = #"{"choice_id": \#(choice)}"#
            func send(_ fields: String) async throws -> String {
                let connection = try #require(RawConnection(port: port))
                connection.send(
                    "POST /api/questions/1/votes HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                        + "\(fields)Content-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
                return await connection.read(until: "\r\n\r\n", timeout: .seconds(20))
            }
            for key in malformed {
                let answer = try await send("Idempotency-Key: \(key)\r\n")
                #expect(answer.hasPrefix("HTTP/1.1 400"), "\(key.debugDescription): \(answer)")
            }
            let twice = try await send("Idempotency-Key: one\r\nIdempotency-Key: two\r\n")
            #expect(twice.hasPrefix("HTTP/1.1 400"), "\(twice)")
            #expect(try await Self.votes(store.database, choice: choice) == 0)
            #expect(!server.output.contains(#""Severity":3"#), "a malformed key was a server error")

            let visible =
                HostileInput.openRedirects + HostileInput.nulValues + HostileInput.numberSpellings
                + [String(repeating: "k", count: 255), "\"quoted\"", "'; DROP TABLE idempotency_keys; --", "%00"]
            let keys = Set(visible.filter { !$0.isEmpty && $0.utf8.allSatisfy { (0x21...0x7E).contains($0) } })
            for key in keys {
                #expect(try await Self.vote(client, question: 1, choice: choice, key: key).status == .ok, "\(key)")
                let again = try await Self.vote(client, question: 1, choice: choice, key: key)
                #expect(again.headers[.idempotentReplayed] == "true", "\(key)")
            }
            #expect(try await Self.votes(store.database, choice: choice) == keys.count)
        }
    }

    /// A key kept for more than a day is forgotten: the same key is a new write.
    @Test func aKeyPastItsDayIsANewWrite() async throws {
        try await PollsSite.with { client, store, _ in
            let choice = try #require(try await store.question(id: 1)).choices[0].id
            #expect(try await Self.vote(client, question: 1, choice: choice, key: "daily").status == .ok)
            try await store.database.query("UPDATE idempotency_keys SET created_at = now() - interval '25 hours'")
            let later = try await Self.vote(client, question: 1, choice: choice, key: "daily")
            #expect(later.headers[.idempotentReplayed] == nil)
            #expect(try await Self.votes(store.database, choice: choice) == 2)
            #expect(
                try await store.database.query(
                    "SELECT count(*)::bigint FROM idempotency_keys WHERE created_at > now() - interval '1 minute'")[0]
                    .decode(Int.self) == 1)
        }
    }

    /// Keys are the signed-in user's: one staff member's key creates one question however often
    /// it is sent; another's same key is their own.
    @Test func aQuestionCreatedWithAKeyIsCreatedOncePerUser() async throws {
        try await StaffTests.withStaffApp { browser, _, database in
            _ = try await UserStore(database: database).create(
                username: "second", passwordHash: try await PollsSite.passwords.hash(StaffTests.password),
                isStaff: true, isSuperuser: true)
            let body = #"{"text": "Keyed?", "choices": ["Yes", "No"]}"#
            try await browser.signIn("admin", StaffTests.password)
            browser.extraHeaders[.idempotencyKey] = "create-1"
            let created = try await browser.send(
                "/api/questions", method: .post, body: body, contentType: "application/json")
            #expect(created.status == .created)
            let again = try await browser.send(
                "/api/questions", method: .post, body: body, contentType: "application/json")
            #expect(again.status == .created)
            #expect(again.headers[.location] == created.headers[.location])
            #expect(again.headers[.idempotentReplayed] == "true")
            #expect(String(buffer: again.body) == String(buffer: created.body))
            let count = {
                try await database.query("SELECT count(*)::bigint FROM questions WHERE question_text = 'Keyed?'")[0]
                    .decode(Int.self)
            }
            #expect(try await count() == 1)

            browser.cookies["sessionid"] = nil
            try await browser.signIn("second", StaffTests.password)
            let theirs = try await browser.send(
                "/api/questions", method: .post, body: body, contentType: "application/json")
            #expect(theirs.status == .created)
            #expect(theirs.headers[.idempotentReplayed] == nil)
            #expect(try await count() == 2)
        }
    }

    /// The vote form carries a key of its own, new with each page: a double click or a form sent
    /// again counts once, and both answers are the redirect to the results.
    @Test func theVoteFormCountsADoubleClickOnce() async throws {
        try await PollsSite.with { client, store, _ in
            let browser = TestBrowser(client)
            let choice = try #require(try await store.question(id: 1)).choices[0].id
            let page = String(buffer: try await browser.get("/questions/1").body)
            let key = try #require(Self.idempotencyField(page))
            #expect(IdempotencyKey(key) != nil)
            #expect(try Self.idempotencyField(String(buffer: await browser.get("/questions/1").body)) != key)
            let token = TestBrowser.csrfField(try await browser.get("/questions/1"))
            let form = [("csrf_token", token), ("idempotency_key", key), ("choice", String(choice))]
            async let one = browser.post("/questions/1/vote", form: form)
            async let two = browser.post("/questions/1/vote", form: form)
            for response in try await [one, two] {
                #expect(response.status == .seeOther)
                #expect(response.headers[.location] == "/questions/1/results")
            }
            #expect(try await browser.post("/questions/1/vote", form: form).status == .seeOther)
            #expect(try await Self.votes(store.database, choice: choice) == 1)
            // A malformed key is a malformed form; a form without one still votes.
            let bad = try await browser.post(
                "/questions/1/vote",
                form: [("csrf_token", token), ("idempotency_key", "a b"), ("choice", String(choice))])
            #expect(bad.status == .badRequest)
            let plain = try await browser.post(
                "/questions/1/vote", form: [("csrf_token", token), ("choice", String(choice))])
            #expect(plain.status == .seeOther)
            #expect(try await Self.votes(store.database, choice: choice) == 2)
        }
    }

    /// The `idempotency_key` field's value in a page.
    private static func idempotencyField(_ html: String) -> String? {
        guard let range = html.range(of: #"name="idempotency_key" value=""#) else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }
}
