import NIOCore
import TestSupport
import Testing

@testable import OTLPExport
@testable import Traces

/// The client's one kept connection: closed once its window passes without a post, and kept
/// for a window from its last use, not its first.
@Suite struct OTLPClientTests {
    private func client(_ collector: OTLPCollector, window: Duration) -> OTLPClient {
        OTLPClient(
            endpoint: .init(host: "127.0.0.1", port: collector.port, path: "/v1/traces"), headers: [],
            reuseWindow: window)
    }

    private func post(_ client: OTLPClient) async throws {
        #expect(try await client.post(ByteBuffer(string: "spans"), timeout: .seconds(30)) == 200)
    }

    private func waitUntilClosed(_ collector: OTLPCollector, port: String, within: Duration) async throws {
        let deadline = ContinuousClock.now + within
        while !collector.closed(port: port), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func aKeptConnectionIsClosedOnceItsWindowPasses() async throws {
        try await OTLPCollector.with { collector in
            let client = client(collector, window: .seconds(2))
            try await post(client)
            let port = try #require(try collector.requests().first?.last)
            #expect(!collector.closed(port: port), "closed at once, not kept")
            // The window, and ten seconds more for a loaded machine.
            try await waitUntilClosed(collector, port: port, within: .seconds(12))
            #expect(collector.closed(port: port))
            // Alive until here: the client's end closes its connection too, which would pass
            // this test without the window's timer.
            withExtendedLifetime(client) {}
        }
    }

    /// Used again 7 s into a 10 s window, the connection is still open after the first window
    /// (its timer must not close it) and closed after the second. The check is made only while
    /// the second window lasts: a loaded machine that wakes the test late proves nothing then.
    @Test func aConnectionUsedAgainGetsAWindowFromItsLastUse() async throws {
        try await OTLPCollector.with { collector in
            let window = Duration.seconds(10)
            let client = client(collector, window: window)
            let first = ContinuousClock.now
            try await post(client)
            try await Task.sleep(until: first + .seconds(7))
            let secondStart = ContinuousClock.now
            try await post(client)
            let ports = try collector.requests().map { $0.last ?? "" }
            #expect(ports.count == 2 && ports[0] == ports[1], "not reused: \(ports)")
            try await Task.sleep(until: first + window + .seconds(1))
            let closedAfterFirstWindow = collector.closed(port: ports[0])
            if ContinuousClock.now < secondStart + window {
                #expect(!closedAfterFirstWindow, "closed by the first window's timer")
            }
            try await waitUntilClosed(collector, port: ports[0], within: .seconds(20))
            #expect(collector.closed(port: ports[0]))
            withExtendedLifetime(client) {}
        }
    }
}
