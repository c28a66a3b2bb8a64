import Database
import Foundation
import Migrations
import TestSupport
import Testing

/// `METRICS_PORT` on the real processes, read back by prometheus_client's parser: the web's
/// requests, pools, statements, outages, heartbeat checks, standby and queues; the worker's
/// runs; and nothing of it on the public port.
@Suite struct MetricsProcessTests {
    private let ballot = Program.built("ballot")

    /// `ballot` (or `ballot worker`) on `url` with metrics on a port of their own: the base URLs.
    private func start(_ arguments: [String], url: String, _ extra: [String: String] = [:]) throws -> (
        Program.Running, String, String
    ) {
        let (port, metricsPort) = (Program.freePort(), Program.freePort())
        let process = try #require(
            Program.start(
                [ballot] + arguments,
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": url, "DATABASE_READ_URL": url,
                    "DATABASE_POOL_SIZE": "7", "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0",
                    "METRICS_PORT": String(metricsPort), "HEARTBEAT_TIMEOUT_MS": "15000",
                    "WORKER_POLL_INTERVAL_MS": "100",
                ].merging(extra) { $1 }))
        return (process, "http://127.0.0.1:\(port)", "http://127.0.0.1:\(metricsPort)")
    }

    private func scrape(_ base: String) async throws -> [PrometheusText.Family] {
        let response = await HTTPProbe.get("\(base)/metrics")
        #expect(response.status == 200, "\(response.body)")
        #expect(response.headers.lowercased().contains("content-type: text/plain; version=0.0.4"))
        return try await PrometheusText.parse(response.body)
    }

    @Test func theWebAndTheWorkerAreScrapedOnTheirOwnPorts() async throws {
        try await TestDatabase.withFreshDatabase { url in
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                try await database.query(
                    "INSERT INTO tasks (name, arguments, queue) VALUES ('polls.close_question', '{\"questionID\": -1}', 'metrics')"
                )
                let (web, base, metrics) = try start([], url: url)
                defer { web.signal(SIGKILL) }
                #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"), "\(web.output)")
                #expect(await HTTPProbe.get("\(base)/").status == 200)
                #expect(await HTTPProbe.get("\(base)/questions/987654").status == 404)
                #expect(await HTTPProbe.get("\(base)/no/such/page").status == 404)
                #expect(await HTTPProbe.get("\(base)/__heartbeat__").status == 200)
                // What operators measure is not for the public.
                #expect(await HTTPProbe.get("\(base)/metrics").status == 404)

                let families = try await scrape(metrics)
                let requests = "http_server_request_duration_seconds_count"
                #expect(families.value(requests, ["method": "GET", "route": "/", "status_class": "2xx"]) == 1)
                #expect(
                    families.value(requests, ["method": "GET", "route": "/questions/{id}", "status_class": "4xx"]) == 1)
                // /no/such/page and the public /metrics: paths no route has.
                #expect(families.value(requests, ["method": "GET", "route": "NotFound", "status_class": "4xx"]) == 2)
                for pool in ["primary", "reads"] {
                    #expect(families.value("db_pool_size", ["pool": pool]) == 7)
                    let open = ["in_use", "idle"].compactMap {
                        families.value("db_pool_connections", ["pool": pool, "state": $0])
                    }
                    #expect(open.count == 2 && open.reduce(0, +) >= 1, "\(pool): \(open)")
                    #expect(families.value("db_pool_waiting", ["pool": pool]) == 0)
                    // Each pool's statements and outages in series of their own.
                    #expect((families.value("db_statement_seconds_count", ["pool": pool]) ?? 0) >= 1, "\(pool)")
                    #expect(families.value("db_outages_total", ["cause": "read_only", "pool": pool]) == 0)
                }
                #expect((families.value("db_statement_seconds_count", ["pool": "primary"]) ?? 0) >= 3)
                #expect(families.samples("db_statement_seconds_count").allSatisfy { $0.labels["pool"] != nil })
                #expect((families.value("heartbeat_check_seconds_count", ["check": "database"]) ?? 0) >= 1)
                // DATABASE_READ_URL reaches the primary here.
                #expect(families.value("db_reads_from_standby") == 0)
                #expect(families.value("db_standby_lag_seconds") == 0)
                #expect(families.value("tasks_pending", ["queue": "metrics", "state": "ready"]) == 1)
                #expect(families.value("tasks_pending", ["queue": "metrics", "state": "running"]) == 0)
                #expect((families.value("tasks_oldest_ready_seconds", ["queue": "metrics"]) ?? -1) >= 0)

                let (worker, _, workerMetrics) = try start(["worker"], url: url, ["WORKER_QUEUES": "metrics"])
                defer { worker.signal(SIGKILL) }
                var succeeded: Double?
                for _ in 0..<300 where succeeded == nil {
                    try await Task.sleep(for: .milliseconds(100))
                    if let scraped = try? await PrometheusText.parse(
                        await HTTPProbe.get("\(workerMetrics)/metrics").body)
                    {
                        succeeded = scraped.value("tasks_succeeded_total")
                        if succeeded != nil {
                            #expect(scraped.value("tasks_run_seconds_count") == 1)
                            // WORKER_CONCURRENCY + 5, over DATABASE_POOL_SIZE.
                            #expect(scraped.value("db_pool_size", ["pool": "primary"]) == 9)
                        }
                    }
                }
                #expect(
                    succeeded == 1, "\(worker.output)")
                // A scrape within a second of the last one answers with its values: polled.
                var ready: Double?
                for _ in 0..<100 where ready != 0 {
                    try await Task.sleep(for: .milliseconds(200))
                    ready = try await scrape(metrics).value("tasks_pending", ["queue": "metrics", "state": "ready"])
                }
                #expect(ready == 0)

                for process in [web, worker] {
                    process.signal(SIGTERM)
                    #expect(await process.finish().status == 0)
                }
            }
        }
    }
}
