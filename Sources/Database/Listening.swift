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
            var failure: (any Error)?
            do { try await body(stream) } catch { failure = error }
            // A connection still subscribed must not go back to the pool, where every NOTIFY
            // would pile up in it: when the UNLISTEN is not confirmed (the task was cancelled,
            // the server is gone), the connection is closed and the pool replaces it.
            do {
                try await session.execute(script: "UNLISTEN \(channel)")
            } catch {
                session.connection.close()
            }
            if let failure { throw failure }
        }
    }

    static func isChannelName(_ name: String) -> Bool {
        guard let first = name.utf8.first, (1...63).contains(name.utf8.count), !(48...57).contains(first) else {
            return false
        }
        return name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
