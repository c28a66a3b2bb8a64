import Foundation
import TestSupport
import Testing

/// The real `ballot` process against clients that send requests too slowly or not at all.
/// Without the deadlines each of these connections stays open until the client gives up.
@Suite struct SlowClientTests {
    private let ballot = Program.built("ballot")

    private func withServer(
        _ settings: [String: String], _ body: (Int) async throws -> Void
    ) async throws {
        let port = Program.freePort()
        var environment = [
            "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url,
            "MIGRATIONS_DIR": Repository.migrations, "LOG_LEVEL": "WARNING", "SHUTDOWN_DRAIN_S": "0",
        ]
        environment.merge(settings) { _, new in new }
        let server = try #require(Program.start([ballot], environment: environment))
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"), "\(server.output)")
        try await body(port)
        server.signal(SIGTERM)
        _ = await server.finish()
    }

    /// The trickle's pace: a character every 100 ms.
    static let pace = Duration.milliseconds(100)

    /// A request head that never ends, `length` long at the trickle's pace.
    static func endlessHead(lasting length: Duration) -> String {
        let head = "GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: "
        return head + String(repeating: "x", count: Int(length / pace) - head.count)
    }

    /// Sends `text` a character at a time at the trickle's pace; when the client saw the server
    /// close the connection, or nil if it took all of it.
    static func trickle(_ text: String, on connection: RawConnection) async throws -> ContinuousClock.Instant? {
        for character in text {
            guard connection.send(String(character)), !connection.isClosedByServer else {
                return ContinuousClock.now
            }
            try await Task.sleep(for: pace)
        }
        return nil
    }

    // Each deadline is checked against a client that gives up at four times it or sooner: a
    // 2 s deadline against an 8 s trickle (never faster than its pace), a 3 s idle timeout
    // against a 12 s wait, 4 batches of a 3 s deadline (12 s) against 45 s. A connection must
    // not be closed before its deadline either, and that bound is exact.

    /// 200 connections each holding half a request head, against a cap of 50 connections and
    /// a 3 s head deadline: all are closed in 4 batches (12 s), and the server still answers
    /// after. (Idle timeout 60 s: it cannot be what closes them.)
    @Test(.timeLimit(.minutes(2))) func halfSentHeadsAreClosedAtTheHeadDeadline() async throws {
        try await withServer([
            "HTTP_HEAD_TIMEOUT_S": "3", "HTTP_IDLE_TIMEOUT_S": "60", "HTTP_MAX_CONNECTIONS": "50",
        ]) { port in
            // Blocking connects, made on a thread of their own, not on Swift's cooperative pool
            // that the other tests share. 50 open plus 150 in the listen backlog (256): no
            // connect has to wait for the backlog.
            let connections = await withCheckedContinuation { continuation in
                DispatchQueue.global().async {
                    continuation.resume(
                        returning: (0..<200).compactMap { _ -> RawConnection? in
                            let connection = RawConnection(port: port)
                            connection?.send("GET /questions/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                            return connection
                        })
                }
            }
            #expect(connections.count == 200)
            // 4 batches of 50, each closed 3 s after its first byte is read: 12 s in all, and
            // the connects already counted against the first batch.
            let stillOpen = await RawConnection.waitUntilClosed(connections, timeout: .seconds(45))
            #expect(stillOpen == 0)
            #expect(await HTTPProbe.get("http://127.0.0.1:\(port)/__lbheartbeat__").status == 200)
        }
    }

    /// A head sent one byte at a time, each byte well inside any gap timeout: closed at the
    /// head deadline although bytes keep coming.
    @Test(.timeLimit(.minutes(1))) func aTrickledHeadIsClosedAtTheHeadDeadline() async throws {
        try await withServer(["HTTP_HEAD_TIMEOUT_S": "2", "HTTP_IDLE_TIMEOUT_S": "60"]) { port in
            let connection = try #require(RawConnection(port: port))
            let started = ContinuousClock.now
            let closed = try await Self.trickle(Self.endlessHead(lasting: .seconds(8)), on: connection)
            let at = try #require(closed, "the server kept reading a head for 8 s")
            #expect(at - started >= .seconds(2), "closed \(at - started) after the first byte")
        }
    }

    /// A body sent one byte at a time: every byte resets an idle timer, so only a deadline for
    /// the whole body ends it. (Head deadline 60 s: it cannot be what closes it.)
    @Test(.timeLimit(.minutes(1))) func aTrickledBodyIsClosedAtTheBodyDeadline() async throws {
        try await withServer([
            "HTTP_HEAD_TIMEOUT_S": "60", "HTTP_BODY_TIMEOUT_S": "2", "HTTP_IDLE_TIMEOUT_S": "60",
        ]) { port in
            let connection = try #require(RawConnection(port: port))
            let started = ContinuousClock.now
            connection.send(
                "POST /questions/1/vote HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                    + "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 80\r\n\r\n")
            let closed = try await Self.trickle(String(repeating: "a", count: 80), on: connection)
            let at = try #require(closed, "the server kept reading an 8 s body")
            #expect(at - started >= .seconds(2), "closed \(at - started) after the head")
        }
    }

    /// A response that ends before its request's body (a 404 for a POST, say) must not switch
    /// the head deadline off for the next request on the connection.
    @Test(.timeLimit(.minutes(1))) func theHeadDeadlineHoldsAfterAnEarlyResponse() async throws {
        try await withServer(["HTTP_HEAD_TIMEOUT_S": "2", "HTTP_IDLE_TIMEOUT_S": "60"]) { port in
            let connection = try #require(RawConnection(port: port))
            connection.send("POST /no-such-page HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 10\r\n\r\n")
            // The body only once the response has come: the response ends first however slow
            // the machine (the 20 s is a safety net).
            #expect(await connection.receive("HTTP/1.1 404", timeout: .seconds(20)), "no early 404")
            connection.send("0123456789")
            // Room for the body to be read on its own, before the next head's first byte.
            try await Task.sleep(for: .milliseconds(300))
            let started = ContinuousClock.now
            let closed = try await Self.trickle(Self.endlessHead(lasting: .seconds(8)), on: connection)
            let at = try #require(closed, "the second request's head was read without a deadline")
            #expect(at - started >= .seconds(2), "closed \(at - started) after the first byte")
        }
    }

    /// An idle keep-alive connection is closed after `HTTP_IDLE_TIMEOUT_S`, not before. (Head
    /// deadline 60 s: no byte comes after the request, and it could not close it in time anyway.)
    @Test(.timeLimit(.minutes(1))) func idleKeepAliveConnectionsAreClosed() async throws {
        try await withServer(["HTTP_IDLE_TIMEOUT_S": "3", "HTTP_HEAD_TIMEOUT_S": "60"]) { port in
            let idle = try #require(RawConnection(port: port))
            let sent = ContinuousClock.now
            idle.send("GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            #expect(await RawConnection.waitUntilClosed([idle], timeout: .seconds(12)) == 0)
            #expect(ContinuousClock.now - sent >= .seconds(3))
        }
    }
}
