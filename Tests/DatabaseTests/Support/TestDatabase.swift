import Database
import Foundation
import Testing

/// The PostgreSQL server the suite runs against: `DATABASE_URL`, which `make test` points at a
/// throwaway cluster.
enum TestDatabase {
    static var url: String {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], !url.isEmpty else {
            fatalError("DATABASE_URL is not set: run the tests with `make test`, which starts a PostgreSQL")
        }
        return url
    }

    static func configuration(
        url: String = TestDatabase.url, poolSize: Int = 4, acquireTimeout: Duration = .seconds(10)
    ) throws -> DatabaseConfiguration {
        DatabaseConfiguration(
            connectionString: try ConnectionString(url), poolSize: poolSize, acquireTimeout: acquireTimeout,
            applicationName: "ballot-tests")
    }

    /// Runs `body` with a fresh pool, closed afterwards.
    static func with(
        url: String = TestDatabase.url, poolSize: Int = 4, acquireTimeout: Duration = .seconds(10),
        _ body: (Database) async throws -> Void
    ) async throws {
        let database = Database(
            configuration: try configuration(url: url, poolSize: poolSize, acquireTimeout: acquireTimeout))
        defer { database.close() }
        try await body(database)
    }

    /// A table name no other test uses, so tests can run in parallel on one database.
    static func uniqueTableName(_ prefix: String = "t") -> String {
        "\(prefix)_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
    }
}

/// A PostgreSQL cluster of a test's own, for tests that stop, start or hang the server.
/// Needs the `scripts/test-postgres` that `make test` exports as `BALLOT_TEST_POSTGRES`.
struct PrivateCluster {
    static var script: String? { ProcessInfo.processInfo.environment["BALLOT_TEST_POSTGRES"] }
    static var isAvailable: Bool { script != nil }

    let directory: String
    let url: String

    /// Runs `body` with a new cluster and deletes the cluster afterwards, even when `body` throws.
    static func with(_ body: (PrivateCluster) async throws -> Void) async throws {
        let cluster = try await start()
        do {
            try await body(cluster)
        } catch {
            await cluster.destroy()
            throw error
        }
        await cluster.destroy()
    }

    private static func start() async throws -> PrivateCluster {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ballot-private-\(UUID().uuidString.prefix(8))").path
        try await run("start", directory)
        let url = try String(contentsOfFile: directory + "/url", encoding: .utf8)
        return PrivateCluster(directory: directory, url: url.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func stop() async throws { try await Self.run("stop", directory) }
    func restart() async throws { try await Self.run("start", directory) }
    func suspend() async throws { try await Self.run("suspend", directory) }
    func resume() async throws { try await Self.run("resume", directory) }
    func destroy() async { try? await Self.run("destroy", directory) }

    /// Runs the script with its output discarded (a server it starts inherits the descriptors,
    /// so a pipe would never see EOF), waiting on a thread of its own rather than a thread of
    /// the cooperative pool.
    private static func run(_ arguments: String...) async throws {
        guard let script else { throw ScriptFailure(arguments: arguments, status: -1) }
        let status = await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(returning: spawnAndWait([script] + arguments))
            }
        }
        guard status == 0 else { throw ScriptFailure(arguments: arguments, status: status) }
    }

    /// posix_spawn and waitpid: Foundation's Process does not reap its child under this test runner.
    private static func spawnAndWait(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        var pid = pid_t()
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        // WIFEXITED / WEXITSTATUS by hand: the macros do not import into Swift.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    struct ScriptFailure: Error {
        var arguments: [String]
        var status: Int32
    }
}
