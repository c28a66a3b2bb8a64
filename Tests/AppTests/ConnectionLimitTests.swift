import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The real `ballot` process against one client address that holds many connections: its share
/// is bounded, and at the global cap the connection waiting longest for a request makes room,
/// so another client (127.0.0.2 here) is never kept waiting. Serialized: up to 1,500 sockets.
@Suite(.serialized) struct ConnectionLimitTests {
    private let ballot = Program.built("ballot")

    private func withServer(_ settings: [String: String], _ body: (Int, Program.Running) async throws -> Void)
        async throws
    {
        Self.raiseDescriptorLimit()
        let port = Program.freePort()
        var environment = [
            "PORT": String(port), "HOST": "127.0.0.1", "DATABASE_URL": TestDatabase.url,
            "MIGRATIONS_DIR": Repository.migrations, "SHUTDOWN_DRAIN_S": "0",
            // Neither deadline may be what closes a connection here.
            "HTTP_HEAD_TIMEOUT_S": "120", "HTTP_IDLE_TIMEOUT_S": "300",
        ]
        environment.merge(settings) { _, new in new }
        let server = try #require(Program.start([ballot], environment: environment))
        #expect(await HTTPProbe.waitUntilUp("http://127.0.0.1:\(port)/__lbheartbeat__"), "\(server.output)")
        try await body(port, server)
        server.signal(SIGTERM)
        _ = await server.finish()
    }

    /// 1,500 sockets here and as many in the server, which inherits the limit.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// `count` connections from `source`, each with half a request head, made with blocking
    /// connects on a thread of their own, not on the cooperative pool the other suites share.
    /// 127.0.0.3 by default: the readiness probe's connection from 127.0.0.1 may still be open.
    private static func halfSentHeads(_ count: Int, port: Int, from source: String = "127.0.0.3") async
        -> [RawConnection]
    {
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(
                    returning: (0..<count).compactMap { _ -> RawConnection? in
                        let connection = RawConnection(port: port, from: source)
                        connection?.send("GET /questions/1 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
                        return connection
                    })
            }
        }
    }

    /// Waits (up to 30 s, for a loaded machine) until at most `open` of `connections` are still
    /// open, then half a second more for any the server would wrongly close too; how many are.
    private static func settle(_ connections: [RawConnection], open: Int) async -> Int {
        let deadline = ContinuousClock.now + .seconds(30)
        while connections.filter({ !$0.isClosedByServer }).count > open, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        try? await Task.sleep(for: .milliseconds(500))
        return connections.filter { !$0.isClosedByServer }.count
    }

    /// A `/__lbheartbeat__` from another client, 127.0.0.2: its status line, and how long it
    /// took from the connect.
    private static func heartbeat(port: Int) async throws -> (String, Duration) {
        let start = ContinuousClock.now
        let connection = try #require(RawConnection(port: port, from: "127.0.0.2"))
        connection.send("GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        let answer = await connection.read(until: "\r\n\r\n", timeout: .seconds(20))
        return (answer.components(separatedBy: "\r\n")[0], ContinuousClock.now - start)
    }

    @Test(.timeLimit(.minutes(2))) func oneAddressHoldsAtMostItsShareAndOthersAreServed() async throws {
        try await withServer(["HTTP_MAX_CONNECTIONS_PER_CLIENT": "5"]) { port, server in
            // Six connect; the server admits five, in whichever order its event loops run.
            let six = await Self.halfSentHeads(6, port: port)
            #expect(six.count == 6)
            _ = await Self.settle(six, open: 5)
            let closed = six.filter { $0.isClosedByServer }
            #expect(closed.count == 1, "\(closed.count) of 6 closed")
            let held = six.filter { candidate in !closed.contains { $0 === candidate } }
            #expect(held.count == 5)
            let (status, _) = try await Self.heartbeat(port: port)
            #expect(status == "HTTP/1.1 200 OK")
            // One of the five leaves: the address has room for a new one.
            held[0].hangUp()
            var answered = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !answered, ContinuousClock.now < deadline {
                let connection = try #require(RawConnection(port: port, from: "127.0.0.3"))
                connection.send("GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
                answered = await connection.receive("HTTP/1.1 200", timeout: .seconds(5))
                if !answered { try await Task.sleep(for: .milliseconds(100)) }
            }
            #expect(answered)
            #expect(server.output.contains("a client holds its share of connections"))
        }
    }

    /// A balancer in `TRUSTED_PROXIES` speaks for many clients: it has no share of its own.
    @Test(.timeLimit(.minutes(2))) func aTrustedProxyIsNotOneClient() async throws {
        try await withServer(["HTTP_MAX_CONNECTIONS_PER_CLIENT": "5", "TRUSTED_PROXIES": "127.0.0.1/32"]) {
            port, _ in
            let connections = try (0..<12).map { _ in try #require(RawConnection(port: port)) }
            for connection in connections {
                connection.send("GET /__lbheartbeat__ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            }
            for connection in connections {
                #expect(await connection.receive("HTTP/1.1 200", timeout: .seconds(10)))
            }
        }
    }

    /// 1,500 half-sent heads from one address (127.0.0.3), with no share per client, against the cap of
    /// 1,024: the oldest make room for the newest, so another client's heartbeat is answered
    /// within a second, every time. Before, the connections past the cap waited in the listen
    /// backlog, the heartbeat behind them, until the head deadline.
    @Test(.timeLimit(.minutes(3))) func halfSentHeadsAtTheCapNeverKeepAnotherClientWaiting() async throws {
        try await withServer(["HTTP_MAX_CONNECTIONS_PER_CLIENT": "1000000"]) { port, server in
            let heads = await Self.halfSentHeads(1_500, port: port)
            #expect(heads.count == 1_500)
            // Connected is not yet accepted: once the server has taken them all from the listen
            // backlog, 1,024 are held, and the heartbeat arrives while they are.
            let held = await Self.settle(heads, open: 1_024)
            #expect(held <= 1_024)
            for _ in 0..<5 {
                let (status, took) = try await Self.heartbeat(port: port)
                #expect(status == "HTTP/1.1 200 OK")
                #expect(took < .seconds(1), "the heartbeat took \(took)")
            }
            #expect(server.output.contains("closing the one waiting longest"))
        }
    }

    /// The same 1,500 with the default share (128): all but the share are closed at once.
    @Test(.timeLimit(.minutes(3))) func halfSentHeadsFromOneAddressAreClosedPastItsShare() async throws {
        try await withServer([:]) { port, _ in
            let heads = await Self.halfSentHeads(1_500, port: port)
            #expect(heads.count == 1_500)
            #expect(await Self.settle(heads, open: 128) == 128)
            let (status, took) = try await Self.heartbeat(port: port)
            #expect(status == "HTTP/1.1 200 OK")
            #expect(took < .seconds(1), "the heartbeat took \(took)")
        }
    }
}
