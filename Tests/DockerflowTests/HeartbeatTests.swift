import Dockerflow
import Foundation
import Testing

@Suite struct HeartbeatTests {
    private func parse(_ report: HeartbeatReport) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(report.json)) as? [String: Any])
    }

    @Test func allOkIsStatusOkWithNoDetails() async throws {
        var heartbeat = Heartbeat(timeout: .seconds(1))
        heartbeat.register(HealthCheck(name: "one") { [] })
        heartbeat.register(HealthCheck(name: "two") { [] })
        let report = await heartbeat.run()
        #expect(report.passed)
        let body = try parse(report)
        #expect(body["status"] as? String == "ok")
        #expect(body["checks"] as? [String: String] == ["one": "ok", "two": "ok"])
        #expect((body["details"] as? [String: Any])?.isEmpty == true)
    }

    @Test func theWorstLevelDecidesAndDetailsFollowPythonDockerflow() async throws {
        var heartbeat = Heartbeat(timeout: .seconds(1))
        heartbeat.register(HealthCheck(name: "fine") { [] })
        heartbeat.register(
            HealthCheck(name: "migrations") { [.warning(id: "dockerflow.health.W001", "Unapplied migration 0002_x")] })
        let warning = await heartbeat.run()
        #expect(warning.passed)
        #expect(warning.status == "warning")
        let body = try parse(warning)
        let detail = try #require((body["details"] as? [String: Any])?["migrations"] as? [String: Any])
        #expect(detail["status"] as? String == "warning")
        #expect(detail["level"] as? Int == 30)
        #expect(detail["messages"] as? [String: String] == ["dockerflow.health.W001": "Unapplied migration 0002_x"])
        #expect((body["details"] as? [String: Any])?["fine"] == nil)

        heartbeat.register(
            HealthCheck(name: "database") { [.error(id: "dockerflow.health.E001", "Could not connect")] })
        let failed = await heartbeat.run()
        #expect(!failed.passed)
        #expect(failed.status == "error")
        #expect(failed.failedChecks == ["database"])
    }

    @Test func aHungCheckIsAnErrorWithinTheTimeout() async throws {
        var heartbeat = Heartbeat(timeout: .milliseconds(150))
        heartbeat.register(HealthCheck(name: "fast") { [] })
        // Ignores cancellation on purpose: the heartbeat must not wait for it.
        heartbeat.register(
            HealthCheck(name: "stubborn") {
                let end = ContinuousClock.now + .seconds(3)
                while ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(20)) }
                return []
            })
        let clock = ContinuousClock()
        let start = clock.now
        let report = await heartbeat.run()
        // Far below the 3 s the check takes; the slack is for a loaded machine running tests in parallel.
        #expect(clock.now - start < .milliseconds(1_500))
        #expect(report.failedChecks == ["stubborn"])
        let body = try parse(report)
        #expect(body["checks"] as? [String: String] == ["fast": "ok", "stubborn": "error"])
    }
}
