import Database
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Migrations
import TestSupport
import Testing
import Web

@testable import App

/// `DATABASE_READ_URL`: the public pages and the API read from a second pool, except for a
/// client that has just written. Two real databases stand in for a primary and its standby,
/// each with a question 1 of its own text, so every answer shows which pool it came from.
@Suite struct ReadReplicaTests {
    static func withPrimaryAndStandby(
        environment: [String: String] = [:],
        _ body: @Sendable (any TestClientProtocol, _ primaryURL: String, _ standbyURL: String) async throws -> Void
    ) async throws {
        try await TestDatabase.withFreshDatabase { primaryURL in
            try await TestDatabase.withFreshDatabase { standbyURL in
                for (url, text) in [(primaryURL, "On the primary?"), (standbyURL, "On the standby?")] {
                    try await TestDatabase.with(url: url) { database async throws in
                        try await Migrator.ballot(database).up()
                        _ = try await QuestionStore(database: database).create(
                            text: text, choices: ["Yes", "No"], publishedAt: Date().addingTimeInterval(-60))
                    }
                }
                var configuration = try AppConfiguration(
                    environment: [
                        "DATABASE_URL": primaryURL, "DATABASE_READ_URL": standbyURL,
                        "MIGRATIONS_DIR": Repository.migrations, "HEARTBEAT_TIMEOUT_MS": "15000",
                        // A loaded machine's bounds (CI's parallel suites once failed the read
                        // check's first connection under the defaults).
                        "DATABASE_CONNECT_TIMEOUT_S": "30", "DATABASE_POOL_TIMEOUT_MS": "30000",
                    ].merging(environment) { _, given in given })
                configuration.dockerflow.port = 0
                try await buildApplication(configuration).test(.router) { client in
                    try await body(client, primaryURL, standbyURL)
                }
            }
        }
    }

    static func text(_ response: TestResponse) -> String { String(buffer: response.body) }

    @Test func readsGoToTheStandbyUntilTheClientWrites() async throws {
        try await Self.withPrimaryAndStandby { client, _, _ in
            let before = try await client.execute(uri: "/api/questions/1", method: .get)
            #expect(Self.text(before).contains("On the standby?"))
            #expect(Self.text(try await client.execute(uri: "/", method: .get)).contains("On the standby?"))

            let vote = try await client.execute(
                uri: "/api/questions/1/votes", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"choice_id": 1}"#))
            #expect(vote.status == .ok)
            let setCookie = try #require(vote.headers[values: .setCookie].first { $0.hasPrefix("read_primary=") })
            #expect(setCookie.contains("Max-Age=15") && setCookie.contains("HttpOnly"))
            let pinned: HTTPFields = [.cookie: String(setCookie.split(separator: ";")[0])]

            // The writer now reads the primary, vote included, on every public page.
            let after = try await client.execute(uri: "/api/questions/1", method: .get, headers: pinned)
            #expect(Self.text(after).contains("On the primary?") && Self.text(after).contains(#""votes":1"#))
            let results = try await client.execute(uri: "/questions/1/results", method: .get, headers: pinned)
            #expect(Self.text(results).contains("On the primary?"))
            #expect(
                Self.text(try await client.execute(uri: "/", method: .get, headers: pinned)).contains("On the primary?")
            )
            // Everyone else still reads the standby.
            let others = try await client.execute(uri: "/questions/1/results", method: .get)
            #expect(Self.text(others).contains("On the standby?"))
        }
    }

    @Test func theHeartbeatWarnsWhenReadsReachAPrimary() async throws {
        try await Self.withPrimaryAndStandby { client, _, _ in
            let response = try await client.execute(uri: "/__heartbeat__", method: .get)
            #expect(response.status == .ok)
            let body = try #require(
                try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
            #expect(body["status"] as? String == "warning")
            let checks = try #require(body["checks"] as? [String: String])
            #expect(checks["database"] == "ok" && checks["database_read"] == "warning")
            let read = (body["details"] as? [String: Any])?["database_read"] as? [String: Any]
            let messages = read?["messages"] as? [String: String]
            #expect(messages?["ballot.database.W002"]?.contains("Reads go to a primary (the only server)") == true)
        }
    }

    /// A cluster's string lists several hosts; the heartbeat says which one it reached, by its
    /// position only (the endpoint is public). The first host here refuses connections.
    @Test func theHeartbeatNamesTheServerReachedInAMultiHostString() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let components = try #require(URLComponents(string: url))
            let server = "\(components.host ?? "localhost"):\(components.port ?? 5432)"
            let credentials = "\(components.user ?? ""):\(components.password ?? "")@"
            let cluster = "postgresql://\(credentials)127.0.0.1:\(Program.freePort()),\(server)\(components.path)"
            try await TestDatabase.with(url: cluster) { database in
                try await Migrator.ballot(database).up()
            }
            var configuration = try AppConfiguration(
                environment: [
                    "DATABASE_URL": cluster, "MIGRATIONS_DIR": Repository.migrations, "HEARTBEAT_TIMEOUT_MS": "15000",
                ])
            configuration.dockerflow.port = 0
            try await buildApplication(configuration).test(.router) { client in
                let response = try await client.execute(uri: "/__heartbeat__", method: .get)
                let body = try #require(
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
                #expect(response.status == .ok && body["status"] as? String == "info")
                let database = (body["details"] as? [String: Any])?["database"] as? [String: Any]
                let messages = database?["messages"] as? [String: String]
                #expect(messages?["ballot.database.I001"] == "Connected to the primary, server 2 of 2.")
                #expect(!(String(buffer: response.body)).contains("127.0.0.1"))
            }
        }
    }

    @Test func withoutAReadPoolNoCookieIsSet() async throws {
        try await PollsSite.with { client, _, _ in
            let vote = try await client.execute(
                uri: "/api/questions/1/votes", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"choice_id": 1}"#))
            #expect(vote.status == .ok)
            #expect(!vote.headers[values: .setCookie].contains { $0.hasPrefix("read_primary=") })
        }
    }
}
