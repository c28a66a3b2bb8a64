import TestSupport
import Testing

@testable import Database

@Suite struct ListeningTests {
    /// A NOTIFY on the channel reaches the stream; the connection goes back to the pool
    /// unsubscribed (a pool of one: the next statement runs on the same connection).
    @Test func notificationsArriveAndTheConnectionReturnsUnsubscribed() async throws {
        try await TestDatabase.with(poolSize: 1) { database async throws in
            let channel = "t_\(UInt32.random(in: 0...UInt32.max))"
            let other = Database(configuration: try TestDatabase.configuration())
            defer { other.close() }
            try await database.listen(to: channel) { payloads in
                try await other.query("SELECT pg_notify(\(channel), 'first'), pg_notify('elsewhere', 'x')")
                try await other.query("SELECT pg_notify(\(channel), 'second')")
                var received: [String] = []
                for await payload in payloads {
                    received.append(payload)
                    if received.count == 2 { break }
                }
                #expect(received == ["first", "second"])
            }
            #expect(try await database.query("SELECT count(*) FROM pg_listening_channels()")[0].decode(Int.self) == 0)
        }
    }

    /// Only plain identifiers: the name is spliced into LISTEN, so anything else is refused
    /// before it reaches the server.
    @Test(arguments: [
        "", "Upper", "1abc", "a-b", "a b", "a;UNLISTEN *", "a\u{0}", "é", String(repeating: "a", count: 64),
    ])
    func aChannelThatIsNotAPlainIdentifierIsRefused(channel: String) async throws {
        try await TestDatabase.with(poolSize: 1) { database async throws in
            await #expect(throws: DatabaseError.invalidChannel(channel)) {
                try await database.listen(to: channel) { _ in }
            }
        }
    }
}
