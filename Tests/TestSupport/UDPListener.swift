import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A UDP socket on 127.0.0.1 that collects what is sent to it, standing in for statsd.
public final class UDPListener: @unchecked Sendable {
    public let port: Int
    private let descriptor: Int32

    public init() throws {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        self.descriptor = descriptor
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard descriptor >= 0, bound == 0, named == 0 else { throw POSIXError(.EADDRNOTAVAIL) }
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(descriptor) }

    /// Every line received until `timeout` passes with nothing new (or `until` is satisfied).
    public func lines(
        timeout: Duration = .seconds(2), until done: @escaping @Sendable ([String]) -> Bool = { _ in false }
    )
        async -> [String]
    {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { [self] in
                var lines: [String] = []
                var wait = timeval(tv_sec: 0, tv_usec: 100_000)
                setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &wait, socklen_t(MemoryLayout<timeval>.size))
                let deadline = ContinuousClock.now + timeout
                var buffer = [UInt8](repeating: 0, count: 65_536)
                while ContinuousClock.now < deadline, !done(lines) {
                    let received = recv(descriptor, &buffer, buffer.count, 0)
                    guard received > 0 else { continue }
                    lines += String(decoding: buffer[0..<received], as: UTF8.self).split(separator: "\n").map(
                        String.init)
                }
                continuation.resume(returning: lines)
            }
        }
    }
}
