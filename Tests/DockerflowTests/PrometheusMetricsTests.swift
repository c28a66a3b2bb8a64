import Dockerflow
import DockerflowHummingbird
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metrics
import Prometheus
import Settings
import TestSupport
import Testing

/// What Prometheus reads: the request histogram by route and status class, whatever a client
/// sends; swift-metrics' labels under Prometheus' names; `METRICS_PORT` never the public port;
/// and every line read back by prometheus_client's parser.
@Suite struct PrometheusMetricsTests {
    private func withApp(
        _ registry: PrometheusCollectorRegistry, _ body: @Sendable (any TestClientProtocol) async throws -> Void
    ) async throws {
        let router = Router()
        router.add(
            middleware: DockerflowMiddleware(
                summaries: .mozlog(sink: CapturedLog().sink, loggerName: "test"), prometheus: registry))
        router.get("/questions/{id}") { _, _ in "a question" }
        router.on("/questions/{id}", method: .post) { _, _ -> Response in throw HTTPError(.conflict) }
        try await Application(router: router).test(.router, body)
    }

    @Test func requestsAreCountedByRouteTemplateAndStatusClass() async throws {
        let registry = PrometheusCollectorRegistry()
        try await withApp(registry) { client in
            for id in 1...5 { try await client.execute(uri: "/questions/\(id)", method: .get) { _ in } }
            try await client.execute(uri: "/questions/1", method: .post) { _ in }
            try await client.execute(uri: "/nowhere/\(UInt64.random(in: 0...UInt64.max))", method: .get) { _ in }
        }
        let families = try await PrometheusText.parse(registry.emitToString())
        let family = try #require(families.first { $0.name == "http_server_request_duration_seconds" })
        #expect(family.type == "histogram")
        #expect(!family.help.isEmpty)
        let name = "http_server_request_duration_seconds_count"
        #expect(families.value(name, ["method": "GET", "route": "/questions/{id}", "status_class": "2xx"]) == 5)
        #expect(families.value(name, ["method": "POST", "route": "/questions/{id}", "status_class": "4xx"]) == 1)
        #expect(
            families.value(name, ["method": "GET", "route": "NotFound", "status_class": "4xx"]) == 1,
            "\(families.samples(name).map(\.labels))")
        // Ballot's buckets, from half a millisecond: a fast route is not all in Prometheus' first.
        let bounds = Set(families.samples("http_server_request_duration_seconds_bucket").compactMap { $0.labels["le"] })
        let expected = Set(
            PrometheusNaming.durationBuckets.map {
                "\(Double($0.components.attoseconds) / 1e18 + Double($0.components.seconds))"
            } + ["+Inf"])
        #expect(bounds.compactMap(Double.init).sorted() == expected.compactMap(Double.init).sorted(), "\(bounds)")
    }

    /// Paths and methods a client makes up land in one series each: a scanner cannot grow the
    /// registry (or the statsd timers) without end.
    @Test func madeUpPathsAndMethodsShareOneSeries() async throws {
        let registry = PrometheusCollectorRegistry()
        try await withApp(registry) { client in
            for index in 0..<40 {
                let method = HTTPRequest.Method("X\(index)") ?? .get
                try await client.execute(uri: "/scan/\(index)", method: method) { _ in }
                try await client.execute(uri: "/questions/\(index)", method: method) { _ in }
            }
        }
        let families = try await PrometheusText.parse(registry.emitToString())
        let counts = families.samples("http_server_request_duration_seconds_count")
        #expect(counts.allSatisfy { ["_OTHER", "GET"].contains($0.labels["method"]) }, "\(counts.map(\.labels))")
        #expect(Set(counts.map { $0.labels["route"] ?? "" }).count <= 2)
        #expect(counts.map(\.value).reduce(0, +) == 80)
    }

    /// swift-metrics' dotted labels as Prometheus names them, beside statsd.
    @Test func librariesLabelsGetPrometheusNames() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusNaming(registry: registry)
        Metrics.Timer(label: "db.pool.wait", factory: factory).recordMilliseconds(3)
        Counter(label: "tasks.succeeded", factory: factory).increment(by: 2)
        Counter(label: "db.outages", dimensions: [("cause", "read_only")], factory: factory).increment()
        Recorder(label: "db.Standby-Lag", aggregate: false, factory: factory).record(1.5)
        let families = try await PrometheusText.parse(registry.emitToString())
        #expect(families.value("db_pool_wait_seconds_count") == 1)
        #expect(families.value("db_pool_wait_seconds_sum") == 0.003)
        #expect(families.value("tasks_succeeded_total") == 2)
        #expect(families.value("db_outages_total", ["cause": "read_only"]) == 1)
        #expect(families.value("db_standby_lag") == 1.5)
        #expect(PrometheusNaming.name("9lives.x") == "_9lives_x")
    }

    /// Two components recording under the same names (the primary and the read pool) are told
    /// apart by the labels their factories add, in Prometheus; a name one of them makes without
    /// labels after the family has them is refused like any other clash, not a crash.
    @Test func labelledFactoriesKeepTheirSeriesApart() async throws {
        let registry = PrometheusCollectorRegistry()
        let metrics = ProcessMetrics(statsd: nil, prometheus: registry)
        let primary = try #require(metrics.factory(labelled: [("pool", "primary")]))
        let reads = try #require(metrics.factory(labelled: [("pool", "reads")]))
        Metrics.Timer(label: "db.statement", factory: primary).recordMilliseconds(2)
        Metrics.Timer(label: "db.statement", factory: primary).recordMilliseconds(2)
        Metrics.Timer(label: "db.statement", factory: reads).recordMilliseconds(5)
        Counter(label: "db.outages", dimensions: [("cause", "timed_out")], factory: reads).increment()
        Metrics.Timer(label: "db.statement", factory: try #require(metrics.factory)).recordMilliseconds(9)
        let families = try await PrometheusText.parse(registry.emitToString())
        #expect(families.value("db_statement_seconds_count", ["pool": "primary"]) == 2)
        #expect(families.value("db_statement_seconds_count", ["pool": "reads"]) == 1)
        #expect(families.samples("db_statement_seconds_count").count == 2)
        #expect(families.value("db_outages_total", ["cause": "timed_out", "pool": "reads"]) == 1)
    }

    /// A name made again in another shape (another kind, labels where it had none, a name a
    /// collector registers itself) would stop the process inside swift-prometheus (this test
    /// crashed before the guard): it is not exported, while the first keeps counting.
    @Test func aMetricWhoseNameClashesIsDroppedWithAWarningNotAFatalError() async throws {
        let registry = PrometheusCollectorRegistry()
        let factory = PrometheusNaming(registry: registry)
        Counter(label: "clash.jobs", factory: factory).increment()
        Counter(label: "clash.jobs", dimensions: [("queue", "a")], factory: factory).increment()
        Recorder(label: "clash.jobs.total", aggregate: false, factory: factory).record(7)
        Recorder(label: "clash.depth", aggregate: false, factory: factory).record(3)
        Recorder(label: "clash.depth", aggregate: true, factory: factory).record(4)
        PrometheusNaming.reserve("clash_reserved")
        Recorder(label: "clash.reserved", aggregate: false, factory: factory).record(9)
        Counter(label: "clash.jobs", factory: factory).increment()
        let families = try await PrometheusText.parse(registry.emitToString())
        #expect(families.value("clash_jobs_total") == 2)
        #expect(families.value("clash_depth") == 3)
        #expect(families.value("clash_reserved") == nil)
    }

    /// A collector that fails or hangs costs its own gauges, not the scrape.
    @Test func aFailingOrHungCollectorLeavesTheOthers() async throws {
        let registry = PrometheusCollectorRegistry()
        let gauge = registry.makeGauge(name: "fine", labels: [], help: "set by the collector that works")
        let collectors = [
            MetricsCollector(name: "fine") { gauge.set(7.0) },
            MetricsCollector(name: "broken") { throw Unreachable() },
            MetricsCollector(name: "hung") { try await Task.sleep(for: .seconds(3_600)) },
        ]
        let clock = ContinuousClock()
        var failed: [(name: String, error: String)] = []
        let elapsed = await clock.measure {
            failed = await MetricsCollector.run(collectors, timeout: .milliseconds(200))
        }
        #expect(Set(failed.map(\.name)) == ["broken", "hung"])
        #expect(elapsed < .seconds(30))
        #expect(try await PrometheusText.parse(registry.emitToString()).value("fine") == 7)
    }

    private struct Unreachable: Error {}

    @Test(arguments: [
        (["PORT": "8000", "METRICS_PORT": "8000"], false), (["METRICS_PORT": "0"], false),
        (["METRICS_PORT": "65536"], false), (["METRICS_PORT": "http"], false), (["METRICS_PORT": "9100"], true),
        ([:], true),
    ])
    func metricsPortIsNeverThePublicPort(environment: [String: String], valid: Bool) {
        let configuration = try? DockerflowConfiguration(EnvironmentReader(environment))
        #expect((configuration != nil) == valid, "\(environment)")
        if environment.isEmpty { #expect(configuration?.metricsPort == nil) }
    }
}
