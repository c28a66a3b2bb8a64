import Database
import Dockerflow
import DockerflowDatabase
import Foundation
import Hummingbird
import HummingbirdTesting
import Migrations
import Synchronization
import TestSupport
import Testing
import Web

@testable import App

/// `/__heartbeat__` against a real PostgreSQL of the test's own, through its states:
/// a pending migration, all applied, the server stopped, the server back.
@Suite(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres (run through `make test`)"))
struct HeartbeatLifecycleTests {
    @Test func heartbeatFollowsTheDatabaseAndTheMigrations() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            .path
        try FileManager.default.copyItem(atPath: Repository.migrations, toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "-- migrate:up\nCREATE TABLE later (id int);\n".write(
            toFile: "\(folder)/9000_later.sql", atomically: true, encoding: .utf8)

        try await PrivateCluster.with { cluster in
            let apps = try Ballot.migrations(directory: folder)
            try await TestDatabase.with(url: cluster.url) { database async throws in
                try await Migrator(database: database, apps: apps).up(app: "polls", to: 3)
                try await Migrator(database: database, apps: apps).up(app: "tasks")
            }
            var configuration = try AppConfiguration(environment: [
                "HOST": "127.0.0.1", "DATABASE_URL": cluster.url, "MIGRATIONS_DIR": folder,
                "HEARTBEAT_TIMEOUT_MS": "5000", "MIGRATIONS_CHECK_REUSE_MS": "0",
            ])
            configuration.dockerflow.port = 0
            try await buildApplication(configuration).test(.live) { client in
                func heartbeat() async throws -> (HTTPResponse.Status, [String: Any]) {
                    try await client.execute(uri: "/__heartbeat__", method: .get) { response in
                        let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                        return (response.status, body as? [String: Any] ?? [:])
                    }
                }
                func lbheartbeat() async throws -> HTTPResponse.Status {
                    try await client.execute(uri: "/__lbheartbeat__", method: .get) { $0.status }
                }

                var (status, body) = try await heartbeat()
                #expect(status == .ok)
                #expect(body["status"] as? String == "warning")
                #expect(
                    body["checks"] as? [String: String] == ["database": "ok", "migrations": "warning", "tasks": "ok"])
                let messages = ((body["details"] as? [String: Any])?["migrations"] as? [String: Any])?["messages"]
                #expect(
                    messages as? [String: String] == ["dockerflow.health.W001": "Unapplied migration polls/9000_later"])

                try await TestDatabase.with(url: cluster.url) { database async throws in
                    try await Migrator(database: database, apps: apps).up()
                }
                (status, body) = try await heartbeat()
                #expect(status == .ok && body["status"] as? String == "ok")

                try await cluster.stop()
                let clock = ContinuousClock()
                let start = clock.now
                (status, body) = try await heartbeat()
                // Answered, not hung: a refused connection is reported as it comes; the bound
                // only has to hold on a loaded machine.
                #expect(clock.now - start < .seconds(10))
                #expect(status == .internalServerError)
                #expect(body["status"] as? String == "error")
                #expect((body["checks"] as? [String: String])?["database"] == "error")
                #expect((body["checks"] as? [String: String])?["migrations"] == "info")
                #expect(try await lbheartbeat() == .ok)

                try await cluster.restart()
                (status, body) = try await heartbeat()
                #expect(status == .ok && body["status"] as? String == "ok")
                #expect(try await lbheartbeat() == .ok)
            }
        }
    }

    /// With an injected clock: the window is a count of the check's own reads of the clock, so
    /// however long the migrations take on a loaded machine, the answer is the same.
    @Test func theMigrationsCheckReusesALedgerReadForItsWindowOnly() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID().uuidString)")
            .path
        try FileManager.default.copyItem(atPath: Repository.migrations, toPath: folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }

        try await PrivateCluster.with { cluster in
            let apps = try Ballot.migrations(directory: folder)
            let start = ContinuousClock.now
            let elapsed = Mutex<Duration>(.zero)
            try await TestDatabase.with(url: cluster.url) { database async throws in
                let check = HealthCheck.migrations(
                    database, apps: .success(apps), reuseFor: .seconds(10), now: { start + elapsed.withLock { $0 } })
                func migrations() async -> CheckLevel { await check.body().map(\.level).max() ?? .ok }
                #expect(await migrations() == .warning)
                try await Migrator(database: database, apps: apps).up()
                // Within the window the earlier read stands; after it, the ledger is read again.
                elapsed.withLock { $0 = .seconds(9) }
                #expect(await migrations() == .warning)
                elapsed.withLock { $0 = .seconds(11) }
                #expect(await migrations() == .ok)
                // The new read starts a new window.
                elapsed.withLock { $0 = .seconds(20) }
                #expect(await migrations() == .ok)
            }
        }
    }
}
