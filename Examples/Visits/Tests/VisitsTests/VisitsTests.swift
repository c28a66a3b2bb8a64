import Database
import Dockerflow
import DockerflowHummingbird
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Settings
import Testing

@testable import Visits

/// The example against a real PostgreSQL (`DATABASE_URL`, which `make test` provides): the
/// Dockerflow endpoints, its two checks and its own route.
@Suite struct VisitsTests {
    @Test func theServiceCountsVisitsAndAnswersTheDockerflowEndpoints() async throws {
        let environment = EnvironmentReader(ProcessInfo.processInfo.environment)
        let database = Database(configuration: try DatabaseConfiguration(environment: environment.values))
        defer { database.close() }
        try await database.query("DROP TABLE IF EXISTS visits")
        let application = try await Visits.makeService(
            try DockerflowConfiguration(environment), database: database, metrics: .none, logger: Logger(label: "test")
        ).application()

        try await application.test(.live) { client in
            try await client.execute(uri: "/__lbheartbeat__", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/__heartbeat__", method: .get) { response in
                #expect(response.status == .ok)
                let body = String(buffer: response.body)
                #expect(body.contains(#""checks":{"database":"ok","visits":"ok"}"#), "\(body)")
                #expect(response.headers[.requestID] != nil)
            }
            for expected in 1...3 {
                try await client.execute(uri: "/visits", method: .post) { response in
                    #expect(String(buffer: response.body) == #"{"total":\#(expected)}"#)
                }
            }
            try await client.execute(uri: "/visits", method: .get) {
                #expect(String(buffer: $0.body) == #"{"total":3}"#)
            }
            try await client.execute(uri: "/__heartbeat__", method: .delete) { #expect($0.status == .methodNotAllowed) }

            // The service's own check fails the heartbeat when its table is gone.
            try await database.query("DROP TABLE visits")
            try await client.execute(uri: "/__heartbeat__", method: .get) { response in
                #expect(response.status == .internalServerError)
                #expect(String(buffer: response.body).contains("visits.E001"))
            }
        }
    }
}
