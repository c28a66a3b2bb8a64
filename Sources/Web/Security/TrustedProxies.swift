import HTTPTypes
import Hummingbird
import NIOCore
import Settings

#if canImport(Glibc)
    import Glibc
#endif

/// The address a request came from (for the login throttle, say): the TCP peer, or — only
/// when the peer is one of `TRUSTED_PROXIES` — the nearest address in `X-Forwarded-For` that
/// is not a trusted proxy itself. A client that talks to the server directly cannot choose its
/// address by sending the header.
public struct TrustedProxies: Sendable {
    private let networks: [Network]

    /// An address or network: `10.0.0.0/8`, `127.0.0.1`, `fd00::/8`.
    private struct Network: Sendable {
        var bytes: [UInt8]
        var prefix: Int

        func contains(_ address: UnsafeRawBufferPointer) -> Bool {
            guard address.count == bytes.count else { return false }
            var remaining = prefix
            for (index, byte) in bytes.enumerated() where remaining > 0 {
                let bits = min(8, remaining)
                let mask = UInt8(truncatingIfNeeded: 0xFF << (8 - bits))
                if (address[index] & mask) != (byte & mask) { return false }
                remaining -= bits
            }
            return true
        }
    }

    /// Nobody is trusted: the peer is the client.
    public static let none = TrustedProxies(networks: [])

    private init(networks: [Network]) { self.networks = networks }

    /// Parses a comma-separated list; throws naming the entry that is not an address or network.
    public init(_ list: String) throws(InvalidSetting) {
        var networks: [Network] = []
        for entry in list.split(separator: ",").map({ $0.trimmingWhitespace() }) where !entry.isEmpty {
            let parts = entry.split(separator: "/", maxSplits: 1).map(String.init)
            guard let bytes = Self.parse(parts[0]) else {
                throw InvalidSetting(
                    variable: "TRUSTED_PROXIES", value: list, expected: "IP addresses or networks (\(entry))")
            }
            let prefix = parts.count == 2 ? Int(parts[1]) : bytes.count * 8
            guard let prefix, (0...(bytes.count * 8)).contains(prefix) else {
                throw InvalidSetting(
                    variable: "TRUSTED_PROXIES", value: list, expected: "a valid prefix length (\(entry))")
            }
            networks.append(Network(bytes: bytes, prefix: prefix))
        }
        self.networks = networks
    }

    /// Whether a `/0` network is listed: then any client may name its own address.
    public var trustsEveryone: Bool { networks.contains { $0.prefix == 0 } }

    public func contains(_ address: String) -> Bool {
        // Every request asks (for its client's address): with nobody trusted, no parsing; with
        // proxies, the address is read into a value on the stack, not an array.
        guard !networks.isEmpty else { return false }
        var v4 = in_addr()
        if inet_pton(AF_INET, address, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { bytes in networks.contains { $0.contains(bytes) } }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, address, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in networks.contains { $0.contains(bytes) } }
        }
        return false
    }

    /// The client's address for a request from `peer` with this `X-Forwarded-For`.
    public func clientAddress(peer: String?, forwardedFor: String?) -> String {
        guard let peer else { return "unknown" }
        guard contains(peer), let forwardedFor else { return peer }
        // Each proxy appends the address it received from; the rightmost untrusted one is the
        // first the trusted chain cannot vouch past. Bounded, so a huge header costs nothing.
        var client = peer
        for hop in forwardedFor.split(separator: ",").suffix(32).reversed() {
            let address = hop.trimmingWhitespace()
            guard Self.parse(address) != nil else { return client }
            client = address
            if !contains(address) { return address }
        }
        return client
    }

    /// The bytes of an IPv4 or IPv6 address in text form, or nil.
    public static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 { return withUnsafeBytes(of: &v4) { Array($0) } }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 { return withUnsafeBytes(of: &v6) { Array($0) } }
        return nil
    }
}

extension TrustedProxies {
    /// The client's address for `request`, which came over `context`'s connection.
    public func clientAddress(of request: Request, context: some RemoteAddressRequestContext) -> String {
        clientAddress(peer: context.remoteAddress.flatMap(Self.text), forwardedFor: request.headers[.forwardedFor])
    }

    /// The address as text. IPv4 is written here: NIO's `ipAddress` goes through libc's
    /// `inet_ntop`, which formats it with `sprintf`, a cost that every traced request paid.
    static func text(of address: SocketAddress) -> String? {
        guard case .v4(let v4) = address else { return address.ipAddress }
        let value = UInt32(bigEndian: v4.address.sin_addr.s_addr)
        return String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            for shift in stride(from: UInt32(24), through: 0, by: -8) {
                if shift != 24 {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
                let octet = UInt8(truncatingIfNeeded: value >> shift)
                if octet >= 100 {
                    buffer[count] = UInt8(ascii: "0") + octet / 100
                    count += 1
                }
                if octet >= 10 {
                    buffer[count] = UInt8(ascii: "0") + octet / 10 % 10
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + octet % 10
                count += 1
            }
            return count
        }
    }
}

extension HTTPField.Name {
    /// `X-Forwarded-For`, read only from a trusted proxy.
    public static let forwardedFor: HTTPField.Name = {
        guard let name = HTTPField.Name("X-Forwarded-For") else { preconditionFailure("a valid field name") }
        return name
    }()
}
