import Auth
import Database
import Foundation
import Hummingbird
import HummingbirdTesting
import Migrations
import TestSupport
import Testing

@testable import App

/// The polls site for the app's tests: on a fresh migrated database of the test's own, on a
/// database the test prepared, or as the real `ballot` process.
enum PollsSite {
    /// A fresh, migrated database with `questions` demo questions, and the app on it.
    static func with(
        questions: Int = 3, environment: [String: String] = [:], live: Bool = false,
        passwords: PasswordHasher = passwords,
        _ body: @Sendable (any TestClientProtocol, QuestionStore, String) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                let store = QuestionStore(database: database)
                for index in 0..<questions {
                    _ = try await store.create(
                        text: "Question \(index + 1)?", choices: ["Yes", "No", "Maybe"],
                        publishedAt: Date().addingTimeInterval(Double(-60 * (index + 1))))
                }
                try await serve(url: url, environment: environment, live: live, passwords: passwords) { client in
                    try await body(client, store, url)
                }
            }
        }
    }

    /// The real `ballot` process on `databaseURL`, answering on the returned base URL.
    static func startServer(databaseURL: String) async throws -> (Program.Running, String) {
        let port = Program.freePort()
        let server = try #require(
            Program.start(
                [Program.built("ballot")],
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": databaseURL,
                    "MIGRATIONS_DIR": Repository.migrations, "DATABASE_POOL_SIZE": "10", "SHUTDOWN_DRAIN_S": "0",
                ]))
        let base = "http://127.0.0.1:\(port)"
        #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"), "\(server.output)")
        return (server, base)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    static func errorCode(_ response: TestResponse) throws -> String? {
        (try json(response)["error"] as? [String: Any])?["code"] as? String
    }

    /// The suite's passwords: a thousand rounds, as Django's documentation advises a fast hasher
    /// for tests. The suites run at once and share NIO's two hashing threads, where sign-ins of
    /// 600,000 rounds queued past a test client's 20 s on a loaded machine.
    static let passwords = PasswordHasher(iterations: 1_000)
    /// The throttle's first wait: a minute, so that "the next attempt is refused" does not
    /// depend on how fast a loaded machine sends it (the delays' growth is tested on its own).
    static let throttleFirstDelay = Duration.seconds(60)

    /// The app on `url`'s database as the test left it, through the router (or a live server).
    static func serve(
        url: String, environment: [String: String] = [:], live: Bool = false,
        passwords: PasswordHasher = passwords, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        var configuration = try AppConfiguration(
            environment: [
                "HOST": "127.0.0.1", "DATABASE_URL": url, "MIGRATIONS_DIR": Repository.migrations,
                "MAX_BODY_BYTES": "2048",
            ].merging(environment) { _, given in given })
        configuration.dockerflow.port = 0
        configuration.auth.passwords = passwords
        configuration.auth.throttleFirstDelay = throttleFirstDelay
        try await buildApplication(configuration).test(live ? .live : .router, body)
    }
}
