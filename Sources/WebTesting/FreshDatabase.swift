import Database

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A database of a test's own on the PostgreSQL at `DATABASE_URL`: created empty, dropped after
/// the test, also when it throws. Tests that migrate or own fixed names (the ledger, a user
/// called `admin`) run beside each other this way.
public enum FreshDatabase {
    /// Why no database could be made.
    public struct Unavailable: Error, CustomStringConvertible {
        public var description: String
    }

    /// Runs `body` with the URL of a new, empty database.
    public static func with(_ body: (String) async throws -> Void) async throws {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty,
            var components = URLComponents(string: url)
        else {
            throw Unavailable(
                description: "set DATABASE_URL to a postgresql:// URI (make test does) to create databases")
        }
        let name = "test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        try await administer(url) { try await $0.execute(script: "CREATE DATABASE \(name)") }
        components.path = "/\(name)"
        do {
            try await body(components.string ?? url)
        } catch {
            try? await drop(name, at: url)
            throw error
        }
        try await drop(name, at: url)
    }

    /// `DROP DATABASE … WITH (FORCE)` ends the sessions still on it, but gives up (55006) when
    /// one is still starting, or when they take over 5 s to end on a loaded machine: a pool
    /// closed a moment ago can leave either. Tried again for up to half a minute.
    private static func drop(_ name: String, at url: String) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            do {
                return try await administer(url) {
                    try await $0.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                }
            } catch DatabaseError.server(let failure)
                where failure.sqlState == "55006" && ContinuousClock.now < deadline
            {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private static func administer(_ url: String, _ body: (Database) async throws -> Void) async throws {
        // Generous: a suite starting many tests at once on two cores has been seen to take over
        // 10 s to hand out a first connection.
        let configuration = DatabaseConfiguration(
            connectionString: try ConnectionString(url), poolSize: 1, acquireTimeout: .seconds(30),
            connectTimeoutSeconds: 30, applicationName: "ballot-tests")
        let database = Database(configuration: configuration)
        defer { database.close() }
        try await body(database)
    }
}
