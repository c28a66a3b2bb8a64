import Dockerflow
import DockerflowHummingbird
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Metrics
import Statsd
import TestSupport
import Testing

@Suite struct DockerflowRoutesTests {
    private let version: [UInt8] = Array(
        #"{"source":"https://example.org/ballot","version":"1.2.3","commit":"abc","build":""}"#.utf8)

    private func withApp(
        version: VersionFile? = nil, checks: [HealthCheck] = [], failedStatus: Int = 500, logsQueryString: Bool = true,
        metrics: (any MetricsFactory)? = nil, drain: Drain? = nil,
        _ body: @Sendable (any TestClientProtocol, CapturedLog) async throws -> Void
    ) async throws {
        let log = CapturedLog()
        var heartbeat = Heartbeat(timeout: .milliseconds(500))
        for check in checks { heartbeat.register(check) }
        let router = Router()
        router.add(
            middleware: DockerflowMiddleware(
                summaries: .mozlog(sink: log.sink, loggerName: "ballot"), logsQueryString: logsQueryString,
                metrics: metrics, drain: drain))
        DockerflowRoutes(
            version: version ?? .found(path: "version.json", bytes: self.version), heartbeat: heartbeat,
            failedStatus: failedStatus, metrics: metrics, drain: drain
        ).add(to: router)
        let application = Application(router: router, logger: log.logger("ballot"))
        try await application.test(.router) { client in try await body(client, log) }
    }

    @Test func versionServesTheFileBytesForGetAndHead() async throws {
        try await withApp { client, _ in
            try await client.execute(uri: "/__version__", method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "application/json")
                #expect(Array(response.body.readableBytesView) == version)
            }
            try await client.execute(uri: "/__version__", method: .head) { response in
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
        }
    }

    @Test func aMissingOrInvalidVersionFileIsAJSONError() async throws {
        try await withApp(version: .missing(paths: ["/app/version.json"])) { client, _ in
            try await client.execute(uri: "/__version__", method: .get) { response in
                #expect(response.status == .notFound)
                let body =
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                    as? [String: [String: String]]
                #expect(body?["error"]?["code"] == "not_found")
            }
        }
        try await withApp(version: .invalid(path: "/app/version.json", reason: "not valid JSON")) { client, _ in
            try await client.execute(uri: "/__version__", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("invalid_version_json"))
            }
        }
    }

    /// Draining: the balancer's check fails at once, the heartbeat says why, every other
    /// request is still served but closes its connection. Nothing of it before the drain.
    @Test func aDrainingProcessFailsTheBalancerCheckAndClosesConnections() async throws {
        let drain = Drain()
        try await withApp(checks: [HealthCheck(name: "database") { [] }], drain: drain) { client, _ in
            for draining in [false, true] {
                if draining { drain.begin() }
                for method in [HTTPRequest.Method.get, .head] {
                    try await client.execute(uri: "/__lbheartbeat__", method: method) { response in
                        #expect(response.status == (draining ? .serviceUnavailable : .ok))
                    }
                }
                try await client.execute(uri: "/__version__", method: .get) { response in
                    #expect(response.status == .ok)
                    #expect(response.headers[.connection] == (draining ? "close" : nil))
                }
                try await client.execute(uri: "/__heartbeat__", method: .get) { response in
                    // A warning, not an error: the process is healthy, only leaving.
                    #expect(response.status == .ok)
                    let body = try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))
                    let object = try #require(body as? [String: Any])
                    let checks = try #require(object["checks"] as? [String: String])
                    #expect(object["status"] as? String == (draining ? "warning" : "ok"))
                    #expect(checks == (draining ? ["database": "ok", "draining": "warning"] : ["database": "ok"]))
                }
            }
        }
    }

    @Test func heartbeatAnswers200UntilACheckFailsThenTheConfiguredStatus() async throws {
        let warning = HealthCheck(name: "migrations") {
            [.warning(id: "dockerflow.health.W001", "Unapplied migration 0002_x")]
        }
        try await withApp(checks: [warning]) { client, _ in
            for method in [HTTPRequest.Method.get, .head] {
                try await client.execute(uri: "/__heartbeat__", method: method) { response in
                    #expect(response.status == .ok)
                }
            }
        }
        let failing = HealthCheck(name: "database") { [.error(id: "dockerflow.health.E001", "Could not connect")] }
        try await withApp(checks: [warning, failing], failedStatus: 503) { client, _ in
            try await client.execute(uri: "/__heartbeat__", method: .get) { response in
                #expect(response.status == .serviceUnavailable)
                let body =
                    try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any]
                #expect(body?["status"] as? String == "error")
                #expect(body?["checks"] as? [String: String] == ["migrations": "warning", "database": "error"])
            }
        }
    }

    @Test func loadBalancerHeartbeatIsAlways200() async throws {
        let failing = HealthCheck(name: "database") { [.error(id: "dockerflow.health.E001", "down")] }
        try await withApp(checks: [failing]) { client, _ in
            for method in [HTTPRequest.Method.get, .head] {
                try await client.execute(uri: "/__lbheartbeat__", method: method) { response in
                    #expect(response.status == .ok)
                    #expect(response.body.readableBytes == 0)
                }
            }
        }
    }

    @Test func errorEndpointLogsAnErrorWithTheRequestIdAndAnswers500() async throws {
        try await withApp { client, log in
            try await client.execute(uri: "/__error__", method: .get, headers: [.requestID: "trace-42"]) { response in
                #expect(response.status == .internalServerError)
                #expect(response.headers[.requestID] == "trace-42")
                #expect(!String(buffer: response.body).contains("deliberate"))  // no internals
            }
            let lines = try log.lines()
            let errors = lines.filter { $0["Severity"] as? Int == 3 }
            #expect(errors.count == 2)  // the endpoint's own line and the unhandled-error line
            #expect(errors.allSatisfy { ($0["Fields"] as? [String: Any])?["rid"] as? String == "trace-42" })
            let summary = try #require(lines.first { $0["Type"] as? String == "request.summary" })
            let fields = try #require(summary["Fields"] as? [String: Any])
            #expect(fields["errno"] as? Int == 500)
            #expect(fields["code"] as? Int == 500)
        }
    }

    @Test func requestIdsAreKeptReplacedAndEchoed() async throws {
        try await withApp { client, log in
            try await client.execute(uri: "/__lbheartbeat__", method: .get, headers: [.requestID: "abc-123"]) {
                response in
                #expect(response.headers[.requestID] == "abc-123")
            }
            try await client.execute(uri: "/__lbheartbeat__", method: .get, headers: [.requestID: "bad id\"}"]) {
                response in
                let id = try #require(response.headers[.requestID])
                #expect(id != "bad id\"}" && RequestID.isValid(id) && id.count == 36)
            }
            let rids = try log.lines().compactMap { ($0["Fields"] as? [String: Any])?["rid"] as? String }
            #expect(rids.first == "abc-123")
            #expect(rids.count == 2)
        }
    }

    @Test func everyRequestWritesOneMozlogSummaryLine() async throws {
        try await withApp { client, log in
            try await client.execute(
                uri: "/__lbheartbeat__?probe=1", method: .get,
                headers: [.userAgent: "kube-probe/1.29", .acceptLanguage: "fr-CA"]
            ) { _ in }
            try await client.execute(uri: "/missing", method: .get) { response in #expect(response.status == .notFound)
            }
            let lines = try log.lines()
            #expect(lines.count == 2)
            for line in lines {
                for key in ["Timestamp", "Type", "Logger", "Hostname", "EnvVersion", "Severity", "Pid", "Fields"] {
                    #expect(line[key] != nil, "missing \(key)")
                }
                #expect(line["EnvVersion"] as? String == "2.0")
                #expect(line["Logger"] as? String == "ballot")
                #expect(line["Type"] as? String == "request.summary")
                #expect(line["Severity"] as? Int == 6)
                #expect((line["Timestamp"] as? Int ?? 0) > 1_700_000_000_000_000_000)
            }
            let first = try #require(lines[0]["Fields"] as? [String: Any])
            #expect(first["method"] as? String == "GET")
            #expect(first["path"] as? String == "/__lbheartbeat__")
            #expect(first["code"] as? Int == 200)
            #expect(first["agent"] as? String == "kube-probe/1.29")
            #expect(first["lang"] as? String == "fr-CA")
            #expect(first["errno"] as? Int == 0)
            #expect(first["querystring"] as? String == "probe=1")
            #expect(first["t"] is Int && first["uid"] is String && first["rid"] is String)
            #expect((lines[1]["Fields"] as? [String: Any])?["code"] as? Int == 404)
        }
        try await withApp(logsQueryString: false) { client, log in
            try await client.execute(uri: "/__lbheartbeat__?token=secret", method: .get) { _ in }
            #expect((try log.lines()[0]["Fields"] as? [String: Any])?["querystring"] == nil)
        }
    }

    @Test func metricsReachStatsdOverUDP() async throws {
        let listener = try UDPListener()
        let client = StatsdClient(host: "127.0.0.1", port: listener.port)
        let factory = StatsdMetricsFactory(client: client, prefix: "test")
        let failing = HealthCheck(name: "database") { [.error(id: "dockerflow.health.E001", "down")] }
        try await withApp(checks: [failing], metrics: factory) { http, _ in
            try await http.execute(uri: "/__lbheartbeat__", method: .get) { _ in }
            try await http.execute(uri: "/__heartbeat__", method: .get) { _ in }
        }
        client.flush()
        let lines = await listener.lines { $0.count >= 5 }
        #expect(lines.contains("test.http.requests.2xx:1|c"))
        #expect(lines.contains("test.http.requests.5xx:1|c"))
        #expect(lines.contains("test.heartbeat.failures.database:1|c"))
        #expect(lines.contains { $0.hasPrefix("test.http.route.GET.___lbheartbeat__:") && $0.hasSuffix("|ms") })
    }

    @Test func anUnreachableStatsdNeverFailsARequest() async throws {
        // Nothing listens on this port, and the host does not resolve at all for the second.
        for host in ["127.0.0.1", "statsd.invalid"] {
            let factory = StatsdMetricsFactory(client: StatsdClient(host: host, port: 9), prefix: "x")
            try await withApp(metrics: factory) { client, _ in
                for _ in 0..<20 {
                    try await client.execute(uri: "/__lbheartbeat__", method: .get) { #expect($0.status == .ok) }
                }
            }
        }
    }
}

@Suite struct StatsdClientTests {
    /// A counter or timer made again for each event (`Counter(label:)` in a loop, as the task
    /// worker counts its outcomes) is the same one: one line per flush, and nothing that grows.
    @Test func aMetricMadeForEachEventIsOneAggregate() async throws {
        let listener = try UDPListener()
        let client = StatsdClient(host: "127.0.0.1", port: listener.port)
        let factory = StatsdMetricsFactory(client: client, prefix: "p")
        for _ in 0..<5_000 {
            Counter(label: "made.each.time", factory: factory).increment()
            Metrics.Timer(label: "timed.each.time", factory: factory).recordMilliseconds(1)
        }
        client.flush()
        // The client also sends every 100 ms by itself, so the count may come in a few lines;
        // made as 5,000 aggregates it would come as 5,000 lines of 1.
        let counted: @Sendable ([String]) -> [Int] = { lines in
            lines.filter { $0.hasPrefix("p.made.each.time:") }.compactMap {
                Int($0.dropFirst("p.made.each.time:".count).dropLast("|c".count))
            }
        }
        let lines = await listener.lines { counted($0).reduce(0, +) >= 5_000 }
        #expect(counted(lines).reduce(0, +) == 5_000)
        #expect(counted(lines).count <= 20, "\(counted(lines).count) lines")
    }

    @Test func queuedLinesAreSentWithoutAnExplicitFlush() async throws {
        let listener = try UDPListener()
        let factory = StatsdMetricsFactory(client: StatsdClient(host: "127.0.0.1", port: listener.port), prefix: "p")
        let counter = Counter(label: "c", factory: factory)
        counter.increment(by: 3)
        counter.increment(by: 4)
        // Returns as soon as the line arrives; the bound only has to outlast a loaded machine
        // (the flush task waits for a cooperative thread like every other task).
        let lines = await listener.lines(timeout: .seconds(30)) { !$0.isEmpty }
        #expect(lines == ["p.c:7|c"])
    }
}

@Suite struct StatsdTimerTests {
    @Test func timersPastTheSampleLimitCarryASampleRate() async throws {
        let listener = try UDPListener()
        let client = StatsdClient(host: "127.0.0.1", port: listener.port)
        let timer = Metrics.Timer(label: "t", factory: StatsdMetricsFactory(client: client, prefix: ""))
        for _ in 0..<512 { timer.recordNanoseconds(2_000_000) }
        client.flush()
        let lines = await listener.lines(timeout: .seconds(2)) { $0.count >= 256 }
        #expect(lines.count == 256)
        #expect(lines.allSatisfy { $0 == "t:2.0|ms|@0.5" })
    }
}

@Suite struct TextSummaryTests {
    @Test func textFormatSummariesGoThroughALogger() async throws {
        let log = CapturedLog()
        let summaries = RequestSummaryLog.logger(log.logger("request.summary"))
        let router = Router()
        router.add(middleware: DockerflowMiddleware(summaries: summaries))
        router.get("/hello") { _, _ in "hi" }
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/hello", method: .get) { #expect($0.status == .ok) }
        }
        let fields = try #require(try log.lines().first?["Fields"] as? [String: Any])
        #expect(fields["path"] as? String == "/hello")
        #expect(fields["code"] as? Int == 200)
    }
}
