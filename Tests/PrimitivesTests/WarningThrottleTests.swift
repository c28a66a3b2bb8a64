import Primitives
import TestSupport
import Testing

/// An outage every request sees writes a line per key per interval, with the count held back.
@Suite struct WarningThrottleTests {
    @Test func oneLinePerKeyPerIntervalWithTheCountHeldBack() throws {
        let clock = ManualClock()
        let throttle = WarningThrottle(interval: .seconds(5), now: { clock.now })
        let log = CapturedLog()
        let logger = log.logger("test")
        for _ in 0..<4 { throttle.warn(logger, key: "a", "down", metadata: [:]) }
        throttle.warn(logger, key: "b", "other", metadata: [:])
        clock.advance(.seconds(5) - .nanoseconds(1))
        throttle.warn(logger, key: "a", "down", metadata: [:])  // still within the interval: held
        clock.advance(.nanoseconds(1))
        throttle.warn(logger, key: "a", "down", metadata: ["error": "refused"])
        clock.advance(.seconds(60))
        throttle.warn(logger, key: "a", "down", metadata: [:])

        let lines = try log.lines().map { ($0["Fields"] as? [String: Any]) ?? [:] }
        #expect(lines.map { $0["msg"] as? String } == ["down", "other", "down", "down"])
        #expect(lines[0]["repeated"] == nil && lines[1]["repeated"] == nil)
        #expect(
            "\(lines[2]["repeated"] ?? "none")" == "4" && lines[2]["error"] as? String == "refused",
            "\(lines[2])")
        #expect(lines[3]["repeated"] == nil)  // nothing was held back since
    }
}
