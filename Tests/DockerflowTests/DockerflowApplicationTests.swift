import Dockerflow
import DockerflowHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Settings
import TestSupport
import Testing

/// Dockerflow installed in one call: the endpoints and the middleware on the router, and a
/// server that closes a keep-alive connection after a `Connection: close` response, so a
/// client that ignores the header cannot stay on a draining replica.
@Suite struct DockerflowApplicationTests {
    /// CI's test container once saw the draining connection stay open after its `Connection:
    /// close` response, 3 runs in 7: NIO's accepted sockets are not close-on-exec, a child
    /// another suite spawned meanwhile inherited the server's end, and close(2) sends no FIN
    /// while a copy is open. The handler now shuts the output down first, and `Program` spawns
    /// children with nothing of the test process.
    @Test
    func oneCallInstallsTheEndpointsTheMiddlewareAndTheConnectionHandling() async throws {
        var configuration = try DockerflowConfiguration(EnvironmentReader(["HOST": "127.0.0.1"]))
        configuration.port = 0
        let drain = configuration.drain
        let service = DockerflowApplication(
            configuration, context: BasicRequestContext.self, heartbeat: Heartbeat(timeout: .seconds(1)),
            loggerName: "test", logger: CapturedLog().logger("test"))
        service.router.get("/hello") { _, _ in "hi" }
        try await service.application().test(.live) { client in
            try await client.execute(uri: "/hello", method: .get) { response in
                #expect(String(buffer: response.body) == "hi")
                #expect(response.headers[.requestID] != nil)
            }
            #expect(try await client.execute(uri: "/__heartbeat__", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/__lbheartbeat__", method: .get).status == .ok)

            let port = try #require(client.port)
            let kept = try #require(RawConnection(port: port))
            kept.send("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n")
            // Not draining: once the response is in (however slow the machine; 20 s is a safety
            // net), the connection stays open for the next request.
            #expect(await kept.receive("HTTP/1.1 200", timeout: .seconds(20)))
            #expect(await RawConnection.waitUntilClosed([kept], timeout: .milliseconds(500)) == 1)
            drain.begin()
            #expect(try await client.execute(uri: "/__lbheartbeat__", method: .get).status == .serviceUnavailable)
            kept.send("GET /hello HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n")
            // The response first (a loaded machine has taken over 20 s to serve it), then the
            // close after it: without the handler the connection would stay open for good (this
            // server has no idle timeout), so each wait is a safety net, not a bound.
            let response = await kept.read(until: "hi", timeout: .seconds(60))
            #expect(
                response.hasPrefix("HTTP/1.1 200") && response.lowercased().contains("connection: close"), "\(response)"
            )
            #expect(await RawConnection.waitUntilClosed([kept], timeout: .seconds(30)) == 0, "\(response)")
        }
    }
}
