import Database
import Foundation
import WebTesting

/// The PostgreSQL server the suites run against: `DATABASE_URL`, which `make test` points at a
/// throwaway cluster.
public enum TestDatabase {
    public static var url: String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            fatalError("DATABASE_URL is not set: run the tests with `make test`, which starts a PostgreSQL")
        }
        return url
    }

    /// How long a test waits for a connection: when 200 tests start at once on two cores, the
    /// server forks and authenticates hundreds of sessions, and a first connection has been
    /// seen to take over 10 s. A working test never waits that long; only a broken one does.
    public static let acquireTimeout: Duration = .seconds(30)

    /// libpq's `connect_timeout` for the suites' pools, for the same reason: with a busy loop on
    /// one core and other work on the other, 30 tests once saw the throwaway server take over
    /// the product's default 5 s to accept their connections. Tests of a hung server set their
    /// own.
    public static let connectTimeoutSeconds = 30

    public static func configuration(
        url: String = TestDatabase.url, poolSize: Int = 4, acquireTimeout: Duration = TestDatabase.acquireTimeout
    ) throws -> DatabaseConfiguration {
        var configuration = DatabaseConfiguration(
            connectionString: try ConnectionString(url), poolSize: poolSize, acquireTimeout: acquireTimeout,
            connectTimeoutSeconds: connectTimeoutSeconds, applicationName: "ballot-tests")
        // The same reason again: a statement's answer is not given up as silent on a machine
        // that merely stalled (a 100 ms statement timeout once met a 5 s stall in CI).
        configuration.answerGrace = .seconds(30)
        return configuration
    }

    /// Runs `body` with a fresh pool, closed afterwards.
    public static func with(
        url: String = TestDatabase.url, poolSize: Int = 4, acquireTimeout: Duration = TestDatabase.acquireTimeout,
        _ body: (Database) async throws -> Void
    ) async throws {
        let database = Database(
            configuration: try configuration(url: url, poolSize: poolSize, acquireTimeout: acquireTimeout))
        defer { database.close() }
        try await body(database)
    }

    /// A table name no other test uses, so tests can run in parallel on one database.
    public static func uniqueTableName(_ prefix: String = "t") -> String {
        "\(prefix)_\(uniqueSuffix())"
    }

    /// Runs `body` with the URL of a new, empty database on the test server, dropped afterwards
    /// (also when `body` throws). For tests that own fixed names, such as the migrations table.
    public static func withFreshDatabase(_ body: (String) async throws -> Void) async throws {
        try await FreshDatabase.with(body)
    }

    private static func uniqueSuffix() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
    }
}
