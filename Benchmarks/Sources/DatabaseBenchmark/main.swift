import ArgumentParser
import Database
import Foundation

/// pgbench's select-only transaction (`pgbench -S`) through Ballot's pool: single-row SELECTs by
/// random primary key from concurrent tasks, reported as queries per second.
@main
struct DatabaseBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Single-row SELECT round trips through the connection pool (needs `pgbench -i`).")

    @Option(help: "Concurrent tasks issuing queries.") var tasks = 16
    @Option(help: "Connections in the pool.") var poolSize = 16
    @Option(help: "Seconds to measure, after one second of warm-up.") var seconds = 10
    @Flag(help: "Run the tasks on the global executor instead of Database.taskExecutor.")
    var globalExecutor = false

    func run() async throws {
        var configuration = try DatabaseConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.poolSize = poolSize
        let database = Database(configuration: configuration)
        defer { database.close() }
        let accounts = try await database.query("SELECT count(*) AS n FROM pgbench_accounts")[0]
            .decode(column: "n", as: Int.self)
        guard accounts > 0 else { throw ValidationError("pgbench_accounts is empty: run pgbench -i first") }

        _ = try await measure(database, accounts: accounts, for: .seconds(1))
        let (queries, elapsed) = try await measure(database, accounts: accounts, for: .seconds(seconds))
        let perSecond =
            Double(queries) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        print(
            "executor=\(globalExecutor ? "global" : "database") tasks=\(tasks) pool=\(poolSize) queries=\(queries) qps=\(Int(perSecond.rounded()))"
        )
    }

    private func measure(_ database: Database, accounts: Int, for duration: Duration) async throws -> (Int, Duration) {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + duration
        let preferred: (any TaskExecutor)? = globalExecutor ? nil : Database.taskExecutor
        let queries = try await withTaskExecutorPreference(preferred) {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<tasks {
                    group.addTask {
                        var count = 0
                        var generator = SplitMix64(seed: UInt64.random(in: 0...UInt64.max))
                        while clock.now < deadline {
                            let id = Int.random(in: 1...accounts, using: &generator)
                            let rows = try await database.query(
                                "SELECT abalance FROM pgbench_accounts WHERE aid = $1", [id])
                            _ = try rows[0].decode(column: 0, as: Int.self)
                            count += 1
                        }
                        return count
                    }
                }
                return try await group.reduce(0, +)
            }
        }
        return (queries, clock.now - start)
    }
}

/// A fast seeded generator: `SystemRandomNumberGenerator` costs a system call per number, which
/// would be measured as database overhead (pgbench uses a PRNG too).
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
