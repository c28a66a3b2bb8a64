import Foundation
import TestSupport
import Testing

@testable import Database

#if canImport(Glibc)
    import Glibc
#endif

/// A pool that spreads its connections over the servers its string lists (libpq 16's
/// `load_balance_hosts`, for libpq 15).
@Suite struct HostRotationTests {
    @Test func eachStartIsTheServerWithFewestConnectionsAndOnePassedOverIsSkippedForAWhile() {
        let rotation = HostRotation(hostCount: 3)
        let now = ContinuousClock.now
        // Opened together, before anything is known: each starts at another server.
        #expect((0..<3).map { _ in rotation.nextStart(now: now) } == [0, 1, 2])
        // The list starting at 0 reached server 2: 0 is a primary (or down) for prefer-standby.
        rotation.reached(2, from: 0, now: now)
        rotation.reached(2, from: 1, now: now)
        rotation.reached(3, from: 2, now: now)
        // Server 3 has fewer connections than server 2; 0 is no start while it is skipped.
        #expect(rotation.nextStart(now: now) == 2)
        #expect((0..<4).map { _ in rotation.nextStart(now: now) } == [1, 2, 1, 2])
        // Two connections to server 2 close: it has the fewest again.
        rotation.closed(2)
        rotation.closed(2)
        #expect(rotation.nextStart(now: now) == 1)
        // A connection that opened nowhere gives its place back.
        rotation.failed(from: 1)
        #expect(rotation.nextStart(now: now) == 1)
        // After the skip, the start is tried again: it has the fewest.
        #expect(rotation.nextStart(now: now + HostRotation.skipFor + .seconds(1)) == 0)
    }

    @Test func theHostListTurnsWithItsPorts() throws {
        let string = try ConnectionString(
            "postgresql://u:p@a:5432,b:5433,c:5434/db?target_session_attrs=prefer-standby")
        #expect(
            HostRotation.options(for: string, startingAt: 1).map { "\($0)=\($1)" } == [
                "host=b,c,a", "port=5433,5434,5432",
            ])
        #expect(
            HostRotation.options(for: string, onlyAt: 2).map { "\($0)=\($1)" } == [
                "host=c", "port=5434", "target_session_attrs=any",
            ])
        let onePort = try ConnectionString("host=a,b port=6432 dbname=db")
        #expect(HostRotation.options(for: onePort, startingAt: 1).map { "\($0)=\($1)" } == ["host=b,a"])
        #expect(
            HostRotation.options(for: onePort, onlyAt: 1).map { "\($0)=\($1)" } == [
                "host=b", "target_session_attrs=any",
            ])
        #expect(HostRotation.options(for: try ConnectionString("host=a dbname=db"), startingAt: 1).isEmpty)
    }

    /// The test server listed twice under two names: a pool that balances opens half its
    /// connections through each; one that does not, all through the first.
    @Test func aBalancingPoolUsesEveryListedServer() async throws {
        let server = try Self.testServer()
        let other = try #require(Self.otherName(for: server.host), "no second name for \(server.host)")
        let twice =
            "postgresql://\(server.credentials)\(server.host):\(server.port),\(other):\(server.port)\(server.path)"
            + "?target_session_attrs=any"
        for balancing in [true, false] {
            var configuration = try TestDatabase.configuration(url: twice, poolSize: 6)
            configuration.balancesHosts = balancing
            let database = Database(configuration: configuration)
            defer { database.close() }
            try await database.open(connections: 6)
            // Six sessions at once, each holding its connection for a while: six connections.
            let numbers = try await withThrowingTaskGroup(of: Int?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        try await database.withSession { session in
                            try await Task.sleep(for: .milliseconds(500))
                            return session.serverNumber
                        }
                    }
                }
                return try await group.reduce(into: [Int?]()) { $0.append($1) }
            }
            let counts = Dictionary(grouping: numbers.compactMap { $0 }, by: { $0 }).mapValues(\.count)
            #expect(counts == (balancing ? [1: 3, 2: 3] : [1: 6]), "balancing \(balancing): \(numbers)")
        }
    }

    /// A server that takes the connection and never answers is silent within the deadline,
    /// not after libpq's connect timeout, and holds up no other server's answer.
    ///
    /// The deadline is long because the other server's answer must come within it: beside the
    /// whole suite on two cores, a fresh connection and its one query once took 16 s.
    @Test(.timeLimit(.minutes(3))) func aServerThatNeverAnswersIsSilentWithinTheDeadline() async throws {
        let silent = try #require(SilentServer())
        defer { withExtendedLifetime(silent) {} }
        let server = try Self.testServer()
        let string =
            "postgresql://\(server.credentials)\(server.host):\(server.port),127.0.0.1:\(silent.port)"
            + "\(server.path)?target_session_attrs=prefer-standby"
        var configuration = try TestDatabase.configuration(url: string)
        configuration.connectTimeoutSeconds = 150
        let database = Database(configuration: configuration)
        defer { database.close() }
        let started = ContinuousClock.now
        let nodes = await database.everyNode(within: .seconds(45))
        #expect(ContinuousClock.now - started < .seconds(120))
        #expect(nodes.count == 2 && nodes[0]?.isStandby == false && nodes[1] == nil)
    }

    /// Each listed server asked alone: one that refuses is nil, the others say what they are.
    @Test func everyNodeAsksEachServerOnAConnectionOfItsOwn() async throws {
        let server = try Self.testServer()
        let string =
            "postgresql://\(server.credentials)127.0.0.1:\(Program.freePort()),\(server.host):\(server.port)"
            + "\(server.path)?target_session_attrs=prefer-standby"
        try await TestDatabase.with(url: string) { database in
            let nodes = await database.everyNode(within: .seconds(20))
            #expect(nodes.count == 2)
            #expect(nodes[0] == nil)
            #expect(nodes[1] == ServerNode(number: 2, hostCount: 2, isStandby: false, replayLag: nil))
        }
    }

    /// The tests' server as `DATABASE_URL` names it: 127.0.0.1 natively, `db` in compose.
    private static func testServer() throws -> (credentials: String, host: String, port: Int, path: String) {
        let components = try #require(URLComponents(string: TestDatabase.url))
        return (
            "\(components.user ?? ""):\(components.password ?? "")@", components.host ?? "127.0.0.1",
            components.port ?? 5432, components.path
        )
    }

    /// Another spelling of `host` that reaches the same server: `localhost` for 127.0.0.1, the
    /// address a name resolves to otherwise.
    private static func otherName(for host: String) -> String? {
        if host == "127.0.0.1" { return "localhost" }
        var hints = addrinfo()
        hints.ai_family = AF_INET
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var found: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &found) == 0, let first = found else { return nil }
        defer { freeaddrinfo(found) }
        var text = [CChar](repeating: 0, count: Int(INET_ADDRSTRLEN))
        guard let address = first.pointee.ai_addr else { return nil }
        let ok = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { ipv4 in
            var raw = ipv4.pointee.sin_addr
            return inet_ntop(AF_INET, &raw, &text, socklen_t(text.count)) != nil
        }
        return ok ? String(cString: text) : nil
    }
}
