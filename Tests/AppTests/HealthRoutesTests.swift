import Hummingbird
import HummingbirdTesting
import Testing

@testable import App

@Suite struct HealthRoutesTests {
    private func makeApplication() throws -> some ApplicationProtocol {
        // Port 0: the live test asks the kernel for a free one.
        buildApplication(try AppConfiguration(environment: ["HOST": "127.0.0.1"]).withPort(0))
    }

    @Test func loadBalancerHeartbeatAnswersOverARealSocket() async throws {
        try await makeApplication().test(.live) { client in
            try await client.execute(uri: "/__lbheartbeat__", method: .get) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/__lbheartbeat__", method: .head) { response in
                #expect(response.status == .ok)
            }
            try await client.execute(uri: "/no-such-page", method: .get) { response in
                #expect(response.status == .notFound)
            }
        }
    }

    @Test func loadBalancerHeartbeatNeedsNoDatabase() async throws {
        // An address where nothing listens: the heartbeat must still answer.
        let configuration = try AppConfiguration(environment: [
            "HOST": "127.0.0.1", "DATABASE_URL": "postgresql://nobody@127.0.0.1:1/none",
        ])
        try await buildApplication(configuration.withPort(0)).test(.router) { client in
            try await client.execute(uri: "/__lbheartbeat__", method: .get) { response in
                #expect(response.status == .ok)
            }
        }
    }
}

extension AppConfiguration {
    fileprivate func withPort(_ port: Int) -> AppConfiguration {
        var copy = self
        copy.port = port
        return copy
    }
}
