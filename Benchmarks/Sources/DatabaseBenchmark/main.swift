import ArgumentParser
import Database
import Foundation
import Primitives

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
    @Flag(help: "Measure decoding instead: 10,000 rows of five columns, by position and into tuples.")
    var decoding = false

    func run() async throws {
        var configuration = try DatabaseConfiguration(environment: ProcessInfo.processInfo.environment)
        configuration.poolSize = poolSize
        let database = Database(configuration: configuration)
        defer { database.close() }
        if decoding { return try await measureDecoding(database) }
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
                                "SELECT abalance FROM pgbench_accounts WHERE aid = \(id)")
                            _ = try rows[0].decode(Int.self)
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

extension DatabaseBenchmark {
    /// Decodes the same rows by position, into an array of tuples and into a tuple per row,
    /// in turn, and prints the median nanoseconds per row of each: what the Stores' typed decoding costs beside the old calls.
    func measureDecoding(_ database: Database) async throws {
        let rows = try await database.query(
            """
            SELECT g::int8, 'question ' || g, now() - g * interval '1 minute', g % 2 = 0, g::float8 / 3
            FROM generate_series(1, 10000) g
            """)
        let clock = ContinuousClock()
        var byPosition: [Double] = []
        var intoTuples: [Double] = []
        var rowByRow: [Double] = []
        var checksum = 0
        for _ in 0..<seconds * 10 {
            var start = clock.now
            for row in rows {
                let id = try row.decode(column: 0, as: Int.self)
                let text = try row.decode(column: 1, as: String.self)
                let published = try row.decode(column: 2, as: Date.self)
                let closed = try row.decode(column: 3, as: Bool.self)
                let ratio = try row.decode(column: 4, as: Double.self)
                checksum &+=
                    id &+ text.utf8.count &+ Int(published.timeIntervalSince1970) &+ (closed ? 1 : 0)
                    &+ Int(ratio)
            }
            byPosition.append(Double((clock.now - start) / .nanoseconds(1)) / Double(rows.count))
            start = clock.now
            for (id, text, published, closed, ratio) in try rows.decode((Int, String, Date, Bool, Double).self) {
                checksum &-=
                    id &+ text.utf8.count &+ Int(published.timeIntervalSince1970) &+ (closed ? 1 : 0)
                    &+ Int(ratio)
            }
            intoTuples.append(Double((clock.now - start) / .nanoseconds(1)) / Double(rows.count))
            start = clock.now
            for row in rows {
                let (id, text, published, closed, ratio) = try row.decode((Int, String, Date, Bool, Double).self)
                checksum &+=
                    id &+ text.utf8.count &+ Int(published.timeIntervalSince1970) &+ (closed ? 1 : 0)
                    &+ Int(ratio)
            }
            rowByRow.append(Double((clock.now - start) / .nanoseconds(1)) / Double(rows.count))
        }
        let median = { (values: [Double]) in values.sorted()[values.count / 2] }
        print(
            "decoding rows=\(rows.count) columns=5 position_ns=\(Int(median(byPosition))) tuples_ns=\(Int(median(intoTuples))) row_tuple_ns=\(Int(median(rowByRow))) checksum=\(checksum)"
        )
    }
}
