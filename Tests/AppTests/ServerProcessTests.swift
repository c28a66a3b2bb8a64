import Database
import Foundation
import Migrations
import TestSupport
import Testing

/// The `ballot` executable as an orchestrator runs it: configured by its environment, logging
/// mozlog to stdout, stopped by SIGTERM.
@Suite struct ServerProcessTests {
    private let ballot = Program.built("ballot")

    /// `ballot` on a free port of 127.0.0.1 against the suite's database, with `settings` added.
    private func startServer(_ settings: [String: String]) throws -> (Program.Running, Int) {
        let port = Program.freePort()
        var environment = [
            "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url,
            "MIGRATIONS_DIR": Repository.migrations,
        ]
        environment.merge(settings) { _, new in new }
        return (try #require(Program.start([ballot], environment: environment)), port)
    }
    @Test(arguments: [
        ("PORT", "abc"), ("PORT", "70000"), ("LOG_FORMAT", "xml"), ("DATABASE_POOL_SIZE", "0"),
        ("DOCKERFLOW_HEARTBEAT_FAILED_STATUS", "200"), ("DATABASE_URL", "postgresql://u:hunter2@h/db?junk=1"),
    ])
    func invalidConfigurationStopsTheStartWithOneLine(variable: String, value: String) async throws {
        let port = Program.freePort()
        var environment = ["PORT": String(port)]
        environment[variable] = value
        let result = await Program.capture([ballot], environment: environment)
        #expect(result.status == 2)
        let lines = result.output.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("ballot: \(variable)=") == true)
        #expect(!result.output.contains("hunter2"))
        #expect(await HTTPProbe.get("http://127.0.0.1:\(port)/__lbheartbeat__", timeout: 1).status == 0)
    }

    /// SIGTERM while the process is still starting (its database does not answer): it is not
    /// killed by the signal, it serves, drains and exits 0 once it runs.
    @Test(.timeLimit(.minutes(1))) func aStopSignalWhileStartingStillDrainsAndExitsZero() async throws {
        // A server that takes connections and never says a word: libpq waits for its greeting.
        let silent = try #require(SilentServer())
        defer { withExtendedLifetime(silent) {} }
        let silentPort = silent.port
        let (server, _) = try startServer([
            "DATABASE_URL": "postgresql://ballot:ballot@127.0.0.1:\(silentPort)/ballot",
            "DATABASE_CONNECT_TIMEOUT_S": "3", "SHUTDOWN_DRAIN_S": "0",
        ])
        try await Task.sleep(for: .seconds(1))
        server.signal(SIGTERM)
        let result = await server.finish()
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("a stop signal came before the server listened"), "\(result.output)")
    }

    /// The statsd lines of the last requests before SIGTERM are sent before the exit, not lost
    /// with the 100 ms that had not been sent yet.
    @Test func theLastMetricsAreSentBeforeTheExit() async throws {
        let statsd = try UDPListener()
        let (server, port) = try startServer([
            "SHUTDOWN_DRAIN_S": "0", "STATSD_HOST": "127.0.0.1", "STATSD_PORT": String(statsd.port),
            "STATSD_PREFIX": "ballot",
        ])
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"), "\(server.output)")
        for _ in 0..<20 { _ = await HTTPProbe.get("http://127.0.0.1:\(port)/__version__") }
        server.signal(SIGTERM)
        #expect(await server.finish().status == 0)
        let lines = await statsd.lines(timeout: .seconds(2))
        #expect(lines.filter { $0.hasPrefix("ballot.http.route.GET.___version__:") }.count == 20, "\(lines)")
    }

    @Test func stdoutIsMozlogAndMetricsGoToStatsd() async throws {
        let statsd = try UDPListener()
        let port = Program.freePort()
        let versionFile = FileManager.default.temporaryDirectory.appendingPathComponent(
            "version-\(UUID().uuidString).json"
        ).path
        let version = #"{"source":"https://example.org/ballot","version":"v9.9.9","commit":"0123abcd","build":"local"}"#
        try version.write(toFile: versionFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: versionFile) }
        let server = try #require(
            Program.start(
                [ballot],
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url,
                    "VERSION_JSON": versionFile, "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0",
                    "STATSD_HOST": "127.0.0.1", "STATSD_PORT": String(statsd.port), "STATSD_PREFIX": "ballot",
                    // The subject is the log and the metrics, not the heartbeat's deadline: a
                    // loaded CI machine once took over the default 1 s to answer its checks.
                    "HEARTBEAT_TIMEOUT_MS": "15000",
                ]))
        let base = "http://127.0.0.1:\(port)"
        #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"))
        let versionResponse = await HTTPProbe.get("\(base)/__version__")
        #expect(versionResponse.status == 200 && versionResponse.body == version)
        let heartbeat = await HTTPProbe.get("\(base)/__heartbeat__")
        #expect(heartbeat.status == 200, "\(heartbeat.body)")
        let error = await HTTPProbe.get("\(base)/__error__", headers: ["X-Request-ID": "probe-error-1"])
        #expect(error.status == 500)
        #expect(error.headers.lowercased().contains("x-request-id: probe-error-1"))
        let datagrams = await statsd.lines { lines in lines.contains { $0.hasPrefix("ballot.http.requests.5xx:") } }

        server.signal(SIGTERM)
        let result = await server.finish()
        #expect(result.status == 0)

        let lines = result.output.split(separator: "\n")
        #expect(lines.count >= 5)
        var summaries = 0
        for line in lines {
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            for key in ["Timestamp", "Type", "Logger", "Hostname", "EnvVersion", "Severity", "Pid", "Fields"] {
                #expect(object[key] != nil, "\(key) missing in \(line)")
            }
            if object["Type"] as? String == "request.summary" { summaries += 1 }
        }
        #expect(summaries >= 4)  // the readiness probes, version, heartbeat, error
        #expect(
            lines.contains { $0.contains(#""Severity":3"#) && $0.contains(#""rid":"probe-error-1""#) })
        #expect(datagrams.contains { $0.hasPrefix("ballot.http.requests.2xx:") })
        #expect(datagrams.contains { $0.hasPrefix("ballot.http.route.GET.___version__:") })
    }

    @Test(.enabled(if: PrivateCluster.isAvailable, "needs scripts/test/postgres"))
    func sigtermLetsAnInFlightRequestFinishThenExitsZero() async throws {
        try await PrivateCluster.with { cluster in
            let port = Program.freePort()
            let server = try #require(
                Program.start(
                    [ballot],
                    environment: [
                        "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": cluster.url,
                        "HEARTBEAT_TIMEOUT_MS": "1500", "MIGRATIONS_DIR": Repository.migrations,
                        "SHUTDOWN_DRAIN_S": "0",
                    ]))
            let base = "http://127.0.0.1:\(port)"
            #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"))
            // A hung database makes the heartbeat take its full 1.5 s: a slow request.
            try await cluster.suspend()
            let clock = ContinuousClock()
            let sockets = server.openSockets
            let start = clock.now
            async let slow = HTTPProbe.get("\(base)/__heartbeat__")
            // The signal must find the request in flight, not in the listen backlog, which the
            // stop closes: a fixed 400 ms once passed before a loaded machine accepted it.
            while server.openSockets <= sockets, clock.now - start < .seconds(10) {
                try await Task.sleep(for: .milliseconds(10))
            }
            try await Task.sleep(for: .milliseconds(100))
            server.signal(SIGTERM)
            let response = await slow
            #expect(response.status == 500)
            #expect(clock.now - start >= .milliseconds(1500))  // it spanned the signal
            let result = await server.finish()
            try await cluster.resume()
            #expect(result.status == 0)
            #expect(result.output.contains(#""Type":"request.summary""#))
        }
    }

    /// SIGTERM drains: the balancer's check fails at once while every request is still served,
    /// on new connections too, each closing its connection; the heartbeat says so. A second
    /// signal ends the drain (here 600 s long) and the process exits 0.
    @Test(.timeLimit(.minutes(2))) func sigtermDrainsWhileServingAndASecondSignalEndsIt() async throws {
        // The heartbeat's status is not the subject: checks get all the time a loaded machine
        // needs.
        let (server, port) = try startServer(["SHUTDOWN_DRAIN_S": "600", "HEARTBEAT_TIMEOUT_MS": "10000"])
        let base = "http://127.0.0.1:\(port)"
        #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"))
        let before = await HTTPProbe.get("\(base)/__heartbeat__")
        #expect(!before.headers.lowercased().contains("connection: close"))
        #expect(!before.body.contains("draining"))

        // A keep-alive connection opened before the signal, idle until after it.
        let kept = try #require(RawConnection(port: port))
        server.signal(SIGTERM)
        #expect(await HTTPProbe.waitUntil("\(base)/__lbheartbeat__", answers: 503))
        // Its next request is answered `Connection: close`, and the server closes it (RFC 9112
        // 9.6), though the client asked to keep it open.
        kept.send("GET /__version__ HTTP/1.1\r\nHost: ballot\r\nConnection: keep-alive\r\n\r\n")
        #expect(await RawConnection.waitUntilClosed([kept], timeout: .seconds(20)) == 0)
        for _ in 0..<3 {
            let during = await HTTPProbe.get("\(base)/__heartbeat__")
            #expect(during.status == 200, "\(during.body)")
            #expect(during.body.contains(#""draining":"warning""#), "\(during.body)")
            #expect(during.headers.lowercased().contains("connection: close"), "\(during.headers)")
        }

        let clock = ContinuousClock()
        let start = clock.now
        server.signal(SIGTERM)
        let result = await server.finish()
        #expect(result.status == 0)
        #expect(clock.now - start < .seconds(60), "the second signal did not end the 600 s drain")
        #expect(result.output.contains("draining before stopping"))
        #expect(result.output.contains("skipping the rest of the drain"))
    }

    /// Without a second signal the drain lasts SHUTDOWN_DRAIN_S, then the process stops
    /// accepting and exits 0 by itself: not before the drain's 3 s, and within four times them
    /// (nothing is in flight to finish after it).
    @Test(.timeLimit(.minutes(2))) func theDrainEndsByItselfAfterShutdownDrainSeconds() async throws {
        let (server, port) = try startServer(["SHUTDOWN_DRAIN_S": "3"])
        let base = "http://127.0.0.1:\(port)"
        #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"))
        let clock = ContinuousClock()
        let start = clock.now
        server.signal(SIGTERM)
        let result = await server.finish()
        #expect(result.status == 0)
        let drained = clock.now - start
        #expect(drained >= .seconds(3) && drained < .seconds(12))
        #expect(result.output.contains("no longer accepting connections"))
        #expect(!result.output.contains("skipping the rest of the drain"))
    }

    /// The image's HEALTHCHECK: `ballot healthcheck` against the running server, and against a
    /// port nobody listens on.
    @Test func healthcheckExitsZeroOnlyWhenTheServerAnswers() async throws {
        let port = Program.freePort()
        let server = try #require(
            Program.start(
                [ballot],
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url,
                    "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0",
                ]))
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"))
        let healthy = await Program.capture([ballot, "healthcheck"], environment: ["PORT": String(port)])
        #expect(healthy.status == 0, "\(healthy.output)")
        server.signal(SIGTERM)
        #expect(await server.finish().status == 0)
        let down = await Program.capture([ballot, "healthcheck", "--port", String(port), "--timeout", "1"])
        #expect(down.status != 0)
    }

    /// On one CPU (here `taskset -c 0`) the database routes run on the database's thread; pages,
    /// the API and votes work as on more CPUs.
    @Test func onOneCPUTheDatabaseRoutesRunOnTheDatabaseThread() async throws {
        try await TestDatabase.withFreshDatabase { url in
            let id = 42
            try await TestDatabase.with(url: url) { database async throws in
                try await Migrator.ballot(database).up()
                try await database.execute(
                    script: """
                        INSERT INTO questions (id, question_text) OVERRIDING SYSTEM VALUE VALUES (\(id), 'One core?');
                        INSERT INTO choices (id, question_id, choice_text, position) OVERRIDING SYSTEM VALUE
                            VALUES (7, \(id), 'Yes', 1);
                        """)
            }
            let port = Program.freePort()
            let server = try #require(
                Program.start(
                    ["/usr/bin/taskset", "-c", "0", ballot],
                    environment: [
                        "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": url,
                        "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0",
                        // What is tested is the thread, not the heartbeat's bound: beside the
                        // parallel suites' migrations a ledger read has taken over a second.
                        "HEARTBEAT_TIMEOUT_MS": "15000",
                    ]))
            let base = "http://127.0.0.1:\(port)"
            #expect(await HTTPProbe.waitUntilUp("\(base)/__lbheartbeat__"))
            #expect(await HTTPProbe.get("\(base)/").body.contains("One core?"))
            #expect(await HTTPProbe.get("\(base)/questions/\(id)").status == 200)
            #expect(await HTTPProbe.get("\(base)/questions/999999999").status == 404)
            let vote = await HTTPProbe.post(
                "\(base)/api/questions/\(id)/votes", body: #"{"choice_id": 7}"#,
                headers: ["Content-Type": "application/json"])
            #expect(vote.status == 200, "\(vote.body)")
            #expect(await HTTPProbe.get("\(base)/api/questions/\(id)").body.contains(#""votes":1"#))
            let heartbeat = await HTTPProbe.get("\(base)/__heartbeat__")
            #expect(heartbeat.status == 200, "\(heartbeat.body)")
            server.signal(SIGTERM)
            let result = await server.finish()
            #expect(result.status == 0)
            #expect(result.output.contains("one CPU: request handlers run on the database thread"))
        }
    }
}
