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
            try? await administer(url) { try await $0.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
            throw error
        }
        try await administer(url) { try await $0.execute(script: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
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
