import Foundation

/// A PostgreSQL cluster of a test's own, for tests that stop, start or hang the server.
/// Needs the `scripts/test/postgres` that `make test` exports as `BALLOT_TEST_POSTGRES`.
public struct PrivateCluster: Sendable {
    public static var script: String? { ProcessInfo.processInfo.environment["BALLOT_TEST_POSTGRES"] }
    public static var isAvailable: Bool { script != nil }

    public let directory: String
    public let url: String

    /// Runs `body` with a new cluster and deletes the cluster afterwards, even when `body` throws.
    public static func with(_ body: (PrivateCluster) async throws -> Void) async throws {
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

    public func stop() async throws { try await Self.run("stop", directory) }
    public func restart() async throws { try await Self.run("start", directory) }
    public func suspend() async throws { try await Self.run("suspend", directory) }
    public func resume() async throws { try await Self.run("resume", directory) }
    func destroy() async { try? await Self.run("destroy", directory) }

    private static func run(_ arguments: String...) async throws {
        guard let script else { throw ProgramFailure(arguments: arguments, status: -1, output: "") }
        // Output to /dev/null: a server the script starts inherits the descriptors, so a pipe
        // would never see EOF.
        let result = await Program.run([script] + arguments, output: nil)
        guard result.status == 0 else { throw ProgramFailure(arguments: arguments, status: result.status, output: "") }
    }
}
