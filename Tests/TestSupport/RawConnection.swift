import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A TCP connection to 127.0.0.1 driven byte by byte, for tests of slow and half-sent requests
/// that no HTTP client library will send.
public final class RawConnection: @unchecked Sendable {
    public let socket: Int32

    /// Connects (blocking) to `port` on 127.0.0.1 from `source`, another loopback address
    /// (127.0.0.2, say) when a test needs a second client; nil when the connection is refused.
    public init?(port: Int, from source: String? = nil) {
        let fd = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Glibc.bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else {
                Glibc.close(fd)
                return nil
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else {
            Glibc.close(fd)
            return nil
        }
        socket = fd
    }

    deinit { Glibc.close(socket) }

    /// Ends the connection from this side (the descriptor is closed with the object).
    public func hangUp() { Glibc.shutdown(socket, Int32(SHUT_RDWR)) }

    /// Sends `text`; false when the server already closed the connection.
    @discardableResult
    public func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        return bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            == bytes.count
    }

    /// Whether the server has closed the connection (end of stream or a reset) — reads and
    /// drops whatever response came first.
    public var isClosedByServer: Bool {
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while true {
            let received = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if received == 0 { return true }
            if received < 0 { return errno != EAGAIN && errno != EWOULDBLOCK }
        }
    }

    /// Reads, polling every 10 ms, until what the server sent contains `text`: true then; false
    /// when the server closes first or `timeout` passes (a safety net: callers wait for
    /// something that comes). For tests that must not go on before a response has arrived.
    public func receive(_ text: String, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { return false }
            if count > 0 {
                received += buffer[0..<count]
                if String(decoding: received, as: UTF8.self).contains(text) { return true }
                continue
            }
            if errno != EAGAIN && errno != EWOULDBLOCK { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    /// What the server sends within `timeout`, until it closes or sends `text` and then nothing
    /// for 200 ms: for a test that must say what it got.
    public func read(until text: String, timeout: Duration) async -> String {
        let deadline = ContinuousClock.now + timeout
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4_096)
        var quietSince: ContinuousClock.Instant?
        while ContinuousClock.now < deadline {
            let count = recv(socket, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if count == 0 { break }
            if count > 0 {
                received += buffer[0..<count]
                quietSince = nil
                continue
            }
            if errno != EAGAIN && errno != EWOULDBLOCK { break }
            if String(decoding: received, as: UTF8.self).contains(text) {
                let since = quietSince ?? ContinuousClock.now
                quietSince = since
                if ContinuousClock.now - since >= .milliseconds(200) { break }
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Waits, polling every 50 ms, until every connection is closed by the server or
    /// `timeout` passes; returns how many are still open.
    public static func waitUntilClosed(_ connections: [RawConnection], timeout: Duration) async -> Int {
        let deadline = ContinuousClock.now + timeout
        var open = connections
        while true {
            open.removeAll { $0.isClosedByServer }
            if open.isEmpty || ContinuousClock.now >= deadline { return open.count }
            try? await Task.sleep(for: .milliseconds(50))
        }
    }
}
