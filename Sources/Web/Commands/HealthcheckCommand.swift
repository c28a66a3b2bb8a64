import ArgumentParser

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

#if canImport(Glibc)
    import Glibc
#endif

/// `healthcheck`: asks the server in this container for `/__lbheartbeat__` and exits 0 on a
/// 200, 1 otherwise — an image's `HEALTHCHECK`, so the image needs no curl. A plain HTTP/1.1
/// request over a socket: a shell-less runtime image has no HTTP client to run.
public struct Healthcheck: ParsableCommand {
    public init() {}

    public static let configuration = CommandConfiguration(
        abstract: "Exit 0 if the local server answers /__lbheartbeat__ with 200 (for HEALTHCHECK).")

    @Option(help: "The port to ask; default: PORT, else 8000.")
    var port: Int?

    @Option(help: "Seconds to wait for the answer.")
    var timeout = 2

    public func run() throws {
        let port = port ?? ProcessInfo.processInfo.environment["PORT"].flatMap { Int($0) } ?? 8000
        guard let status = Self.status(port: port, timeoutSeconds: timeout), status == 200 else {
            throw ExitCode.failure
        }
    }

    /// The status code of `GET /__lbheartbeat__` on 127.0.0.1:`port`, or nil when there is no
    /// answer in time.
    public static func status(port: Int, timeoutSeconds: Int) -> Int? {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { return nil }
        defer { close(socket) }
        var limit = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard connected == 0 else { return nil }
        let request = Array("GET /__lbheartbeat__ HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        guard send(socket, request, request.count, 0) == request.count else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64)
        let received = recv(socket, &buffer, buffer.count, 0)
        guard received >= 12 else { return nil }
        // "HTTP/1.1 200 OK": the three digits after the first space.
        let line = String(decoding: buffer[0..<received], as: UTF8.self)
        let parts = line.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/") else { return nil }
        return Int(parts[1])
    }
}
