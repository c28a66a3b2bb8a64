import NIOCore
import Testing

@testable import Web

/// The client's address: the TCP peer, or the rightmost address of `X-Forwarded-For` that is
/// not a trusted proxy, only when the peer is one.
@Suite struct TrustedProxiesTests {
    @Test(arguments: [
        ("", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  // nobody trusted: the peer
        ("127.0.0.1", "127.0.0.1", "198.51.100.1", "198.51.100.1"),
        ("127.0.0.1", "127.0.0.1", "10.9.9.9, 198.51.100.1", "198.51.100.1"),  // the rightmost untrusted
        ("127.0.0.1,10.0.0.0/8", "127.0.0.1", "198.51.100.1, 10.1.2.3", "198.51.100.1"),
        ("127.0.0.1", "127.0.0.1", "not-an-address", "127.0.0.1"),
        ("127.0.0.1", "127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "203.0.113.9", "198.51.100.1", "203.0.113.9"),  // an untrusted peer's header is ignored
        ("::1,fd00::/8", "::1", "2001:db8::1, fd00::5", "2001:db8::1"),
        ("10.0.0.0/8", "10.200.0.1", "10.0.0.1", "10.0.0.1"),  // all trusted: the farthest
    ])
    func theClientAddressComesFromTrustedProxiesOnly(trusted: String, peer: String, header: String, client: String)
        throws
    {
        let proxies = try TrustedProxies(trusted)
        #expect(proxies.clientAddress(peer: peer, forwardedFor: header.isEmpty ? nil : header) == client)
    }

    @Test(arguments: ["10.0.0.0/33", "300.1.1.1", "localhost", "::1/129", "10.0.0.0/x"])
    func invalidTrustedProxiesAreRefused(list: String) {
        #expect(throws: (any Error).self) { try TrustedProxies(list) }
    }

    /// An address as text, IPv4 written by hand (no `sprintf`): every octet's width, the
    /// edges, and IPv6 as NIO writes it.
    @Test(arguments: [
        "0.0.0.0", "255.255.255.255", "127.0.0.1", "10.0.0.1", "192.168.100.7", "1.20.255.3", "9.99.100.199",
        "203.0.113.250", "::1", "2001:db8::1", "fd00::5",
    ])
    func anAddressIsWrittenAsTheTextItWasParsedFrom(text: String) throws {
        #expect(TrustedProxies.text(of: try SocketAddress(ipAddress: text, port: 80)) == text)
    }

    @Test func onlyASlashZeroTrustsEveryone() throws {
        #expect(try TrustedProxies("0.0.0.0/0").trustsEveryone)
        #expect(try !TrustedProxies("10.0.0.0/8,::1").trustsEveryone)
    }
}
