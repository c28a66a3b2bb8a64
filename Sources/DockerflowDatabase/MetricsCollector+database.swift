import Database
import Dockerflow
import Primitives
import Prometheus
import Tasks

extension MetricsCollector {
    /// `db_pool_connections{pool, state="in_use"|"idle"}`, `db_pool_waiting{pool}` (callers
    /// waiting for a connection) and `db_pool_size{pool}`, read from the pool's counts: no query.
    public static func pool(_ database: Database, name: String, registry: PrometheusCollectorRegistry)
        -> MetricsCollector
    {
        let labels = [("pool", name)]
        for reserved in ["db_pool_connections", "db_pool_waiting", "db_pool_size"] {
            PrometheusNaming.reserve(reserved)
        }
        let inUse = registry.makeGauge(
            name: "db_pool_connections", labels: labels + [("state", "in_use")], help: Help.connections)
        let idle = registry.makeGauge(
            name: "db_pool_connections", labels: labels + [("state", "idle")], help: Help.connections)
        let waiting = registry.makeGauge(name: "db_pool_waiting", labels: labels, help: Help.waiting)
        let size = registry.makeGauge(name: "db_pool_size", labels: labels, help: Help.size)
        size.set(Double(database.configuration.poolSize))
        return MetricsCollector(name: "db_pool_\(name)") {
            let statistics = database.poolStatistics
            inUse.set(Double(statistics.open - statistics.idle))
            idle.set(Double(statistics.idle))
            waiting.set(Double(statistics.waiting))
        }
    }

    /// `db_standby_lag_seconds`: how far the server that `reads` reaches is behind its primary
    /// (0 on a primary; NaN for a standby that has replayed nothing yet), and
    /// `db_reads_from_standby` (1, or 0 when reads reach a primary). One query per scrape.
    public static func standby(_ reads: Database, registry: PrometheusCollectorRegistry) -> MetricsCollector {
        PrometheusNaming.reserve("db_standby_lag_seconds")
        PrometheusNaming.reserve("db_reads_from_standby")
        let lag = registry.makeGauge(name: "db_standby_lag_seconds", labels: [], help: Help.lag)
        let onStandby = registry.makeGauge(name: "db_reads_from_standby", labels: [], help: Help.onStandby)
        return MetricsCollector(name: "db_standby") {
            let node = try await reads.node()
            onStandby.set(node.isStandby ? 1.0 : 0.0)
            lag.set(node.isStandby ? node.replayLag.map { $0 / .seconds(1) } ?? .nan : 0)
        }
    }

    /// `tasks_pending{queue, state="ready"|"running"}` and `tasks_oldest_ready_seconds{queue}`:
    /// one indexed query per scrape. A queue that empties reads 0 rather than keeping its last
    /// value. Every process that collects it reports the same queues: sum a fleet's with
    /// `max by (queue)`, not `sum`.
    public static func taskQueues(_ database: Database, registry: PrometheusCollectorRegistry) -> MetricsCollector {
        let seen = BlockingLock<Set<String>>([])
        PrometheusNaming.reserve("tasks_pending")
        PrometheusNaming.reserve("tasks_oldest_ready_seconds")
        return MetricsCollector(name: "tasks") {
            let queues: [QueueOverview]
            do {
                queues = try await TaskQueue.pending(on: database)
            } catch DatabaseError.server(let failure) where failure.sqlState == "42P01" {
                return  // no tasks table yet
            }
            let names = seen.withLock { seen in
                seen.formUnion(queues.map(\.queue))
                return seen
            }
            for name in names {
                let queue = queues.first { $0.queue == name }
                let labels = [("queue", name)]
                registry.makeGauge(name: "tasks_pending", labels: labels + [("state", "ready")], help: Help.pending)
                    .set(Double(queue?.ready ?? 0))
                registry.makeGauge(name: "tasks_pending", labels: labels + [("state", "running")], help: Help.pending)
                    .set(Double(queue?.running ?? 0))
                registry.makeGauge(name: "tasks_oldest_ready_seconds", labels: labels, help: Help.oldest)
                    .set(queue?.oldestReadySeconds ?? 0)
            }
        }
    }

    /// One text per metric name: the registry refuses a second, different one.
    private enum Help {
        static let connections = "Connections of the pool, in use or idle."
        static let waiting = "Callers waiting for a connection of the pool."
        static let size = "The most connections the pool opens (DATABASE_POOL_SIZE)."
        static let lag = "How far the server reads reach is behind its primary, in seconds (0 on a primary)."
        static let onStandby = "1 when reads reach a standby, 0 when they reach a primary."
        static let pending = "Tasks queued (ready, including those due later) or running, by queue."
        static let oldest = "How long the oldest task that is due has waited, in seconds."
    }
}
