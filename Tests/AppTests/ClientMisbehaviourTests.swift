import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What a client's own doing must never look like: a server error. The real `ballot`, read
/// through its log lines and its Prometheus metrics.
@Suite struct ClientMisbehaviourTests {
    private let ballot = Program.built("ballot")

    private func start(_ extra: [String: String] = [:]) throws -> (Program.Running, port: Int, metrics: Int) {
        let (port, metrics) = (Program.freePort(), Program.freePort())
        let server = try #require(
            Program.start(
                [ballot],
                environment: [
                    "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url,
                    "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0", "METRICS_PORT": String(metrics),
                    "HTTP_BODY_TIMEOUT_S": "60",
                ].merging(extra) { $1 }))
        return (server, port, metrics)
    }

    /// A `Content-Length` over `MAX_BODY_BYTES` is answered 413 at once, with one byte of its
    /// body sent, and the connection closed: nothing waits for the rest.
    @Test(
        .timeLimit(.minutes(1)),
        arguments: [
            ("/api/questions/1/votes", "application/json", "99999999999"),
            ("/api/questions/1/votes", "application/json", "65537"),
            ("/questions/1/vote", "application/x-www-form-urlencoded", "99999999999"),
            ("/questions/1/vote", "application/x-www-form-urlencoded", "9223372036854775807"),
        ])
    func aDeclaredBodyOverTheLimitIsRefusedAtOnce(path: String, type: String, length: String) async throws {
        let (server, port, _) = try start(["MAX_BODY_BYTES": "65536"])
        defer { server.signal(SIGKILL) }
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"), "\(server.output)")
        let connection = try #require(RawConnection(port: port))
        let sent = ContinuousClock.now
        connection.send(
            "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: \(type)\r\nContent-Length: \(length)\r\n\r\n{")
        let answer = await connection.read(until: "\r\n\r\n", timeout: .seconds(20))
        #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer)")
        #expect(ContinuousClock.now - sent < .seconds(10))
        #expect(await RawConnection.waitUntilClosed([connection], timeout: .seconds(10)) == 0)
    }

    /// A client that hangs up halfway through its body: an info line, a 499 in its summary and
    /// in the metrics, never `unhandled error` or a 5xx anywhere.
    @Test(.timeLimit(.minutes(1))) func aClientThatGoesAwayMidBodyIsNotAServerError() async throws {
        let (server, port, metrics) = try start()
        defer { server.signal(SIGKILL) }
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"), "\(server.output)")
        for path in ["/api/questions/1/votes", "/questions/1/vote"] {
            let connection = try #require(RawConnection(port: port))
            connection.send(
                "POST \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 100\r\n\r\n{\"choice")
            try await Task.sleep(for: .milliseconds(200))
            shutdown(connection.socket, Int32(SHUT_RDWR))
        }
        // Both summaries written: the server has seen both ends.
        var summaries: [Substring] = []
        let deadline = ContinuousClock.now + .seconds(20)
        while summaries.count < 2, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            summaries = server.output.split(separator: "\n").filter {
                $0.contains("request.summary") && $0.contains("\"method\":\"POST\"")
            }
        }
        #expect(summaries.count == 2, "\(server.output)")
        #expect(summaries.allSatisfy { $0.contains("\"code\":499") }, "\(summaries)")
        #expect(!server.output.contains("unhandled error"), "\(server.output)")
        #expect(!server.output.contains("\"Severity\":3"), "\(server.output)")
        let scraped = await HTTPProbe.get("http://127.0.0.1:\(metrics)/metrics").body
        #expect(!scraped.contains("status_class=\"5xx\""), "\(scraped)")
        #expect(scraped.contains("status_class=\"4xx\""))
    }

    /// A port already taken: one line that says which, and status 1, not a crash report.
    @Test(.timeLimit(.minutes(1))) func aServerThatCannotListenSaysSoAndExitsWithOne() async throws {
        let (first, port, metrics) = try start()
        defer { first.signal(SIGKILL) }
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"), "\(first.output)")
        for taken in [["PORT": String(port)], ["PORT": String(Program.freePort()), "METRICS_PORT": String(metrics)]] {
            let second = try #require(
                Program.start(
                    [ballot],
                    environment: [
                        "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url, "MIGRATIONS_DIR": Repository.migrations,
                        "METRICS_PORT": String(Program.freePort()),
                    ].merging(taken) { $1 }))
            let result = await second.finish()
            #expect(result.status == 1, "\(result.output)")
            let lines = result.output.split(separator: "\n")
            #expect(lines.last?.contains("cannot listen on HOST 127.0.0.1") == true, "\(result.output)")
            #expect(lines.last?.contains("Address already in use") == true, "\(result.output)")
            #expect(!result.output.contains("Fatal error"), "\(result.output)")
            #expect(!result.output.contains("unhandled error"), "\(result.output)")
        }
    }
}
