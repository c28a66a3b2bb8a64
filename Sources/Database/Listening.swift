/// PostgreSQL's `LISTEN`/`NOTIFY` on one connection held for it.
extension Database {
    /// Listens on `channel` for as long as `body` runs: `body` reads each notification's payload
    /// from the stream, which ends when the connection is lost (listen again; notifications sent
    /// meanwhile are gone, so look for what they would have said). The connection is the pool's,
    /// held throughout and given back after `UNLISTEN`.
    ///
    /// `channel` is an unquoted identifier: lowercase letters, digits and `_`, not starting with
    /// a digit, at most 63 bytes.
    public func listen(
        to channel: String, _ body: (AsyncStream<String>) async throws -> Void
    ) async throws {
        guard Self.isChannelName(channel) else {
            throw DatabaseError.invalidChannel(channel)
        }
        try await withSession { session in
            let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(256))
            session.connection.listen(
                Connection.NotificationListener(
                    notified: { name, payload in if name == channel { continuation.yield(payload) } },
                    ended: { continuation.finish() }))
            defer {
                session.connection.listen(nil)
                continuation.finish()
            }
            try await session.execute(script: "LISTEN \(channel)")
            do {
                try await body(stream)
            } catch {
                _ = try? await session.execute(script: "UNLISTEN \(channel)")
                throw error
            }
            try await session.execute(script: "UNLISTEN \(channel)")
        }
    }

    static func isChannelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (1...63).contains(name.utf8.count), !(48...57).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
