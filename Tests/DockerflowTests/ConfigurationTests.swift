import Dockerflow
import Foundation
import Settings
import Testing

@Suite struct ConfigurationTests {
    @Test func defaults() throws {
        let configuration = try DockerflowConfiguration(EnvironmentReader([:]))
        #expect(configuration.logFormat == .mozlog)
        #expect(configuration.logLevel == .info)
        #expect(configuration.statsd == nil)
        #expect(configuration.heartbeatFailedStatus == 500)
        #expect(configuration.logsQueryString)
    }

    /// A telemetry setting never keeps the service from starting. Where or how to export that
    /// cannot be used turns tracing off; the problem is kept for the warning at start.
    @Test(arguments: [
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "https://collector:4318"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4317", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"],
        ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_EXPORTER": "zipkin"],
    ])
    func anUnusableExportSettingTurnsTracingOffNotTheProcess(environment: [String: String]) throws {
        let configuration = try DockerflowConfiguration(EnvironmentReader(environment))
        #expect(configuration.tracing == nil)
        let problem = try #require(configuration.tracingProblem)
        #expect(problem.variable.hasPrefix("OTEL_"))
    }

    /// Any other unusable setting is ignored, as the specification asks: tracing stays on with
    /// that setting's default, and the setting is kept for a warning, without the headers' token.
    @Test(arguments: [
        ["OTEL_EXPORTER_OTLP_HEADERS": "Authorization secret-token"],
        // Cut at its first `=`, the name is the credential.
        ["OTEL_EXPORTER_OTLP_HEADERS": "Authorization: Basic secret-token=="],
        ["OTEL_EXPORTER_OTLP_HEADERS": "x=secret-token%0A"],
        // A bare token with its padding and a secret file's newline: a valid name, a bad value.
        ["OTEL_EXPORTER_OTLP_HEADERS": "secret-token=%0A"],
        ["OTEL_TRACES_SAMPLER": "sometimes"],
        ["OTEL_BSP_SCHEDULE_DELAY": "soon"],
    ])
    func anUnusableTracingSettingIsIgnoredAndSaid(setting: [String: String]) throws {
        let environment = setting.merging(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"]) { $1 }
        let configuration = try DockerflowConfiguration(EnvironmentReader(environment))
        #expect(configuration.tracingProblem == nil)
        let tracing = try #require(configuration.tracing)
        #expect(tracing.ignored.map(\.variable) == Array(setting.keys))
        #expect(!"\(tracing.ignored)".contains("secret-token"))
    }

    @Test func tracingIsOnWithAnEndpoint() throws {
        let configuration = try DockerflowConfiguration(
            EnvironmentReader(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318", "OTEL_SERVICE_NAME": "polls"]))
        #expect(configuration.tracing?.serviceName == "polls")
        #expect(configuration.tracingProblem == nil)
        #expect(try DockerflowConfiguration(EnvironmentReader([:])).tracing == nil)
    }

    @Test func statsdIsOnWhenItsHostIsSet() throws {
        let configuration = try DockerflowConfiguration(
            EnvironmentReader(["STATSD_HOST": "statsd", "STATSD_PORT": "9125", "STATSD_PREFIX": "polls"]))
        #expect(configuration.statsd == .init(host: "statsd", port: 9125, prefix: "polls"))
    }

    @Test(arguments: [
        ("LOG_FORMAT", "xml", "one of mozlog, text"),
        ("LOG_LEVEL", "loud", "one of trace, debug, info, notice, warning, error, critical"),
        ("DOCKERFLOW_HEARTBEAT_FAILED_STATUS", "200", "a whole number from 500 to 599"),
        ("HEARTBEAT_TIMEOUT_MS", "0", "a whole number from 1 to 60000"),
        ("STATSD_PORT", "x", "a whole number from 1 to 65535"),
    ])
    func invalidValuesNameTheVariable(variable: String, value: String, expected: String) {
        var environment = [variable: value]
        if variable == "STATSD_PORT" { environment["STATSD_HOST"] = "statsd" }
        #expect(throws: InvalidSetting(variable: variable, value: value, expected: expected)) {
            try DockerflowConfiguration(EnvironmentReader(environment))
        }
    }

    @Test func configPathFileValuesYieldToTheEnvironment() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ballot-\(UUID().uuidString).env").path
        try """
        # Ballot settings
        LOG_FORMAT=text
        STATSD_HOST = "statsd.internal"
        LOG_LEVEL='debug'

        """.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let reader = try EnvironmentReader.loading(environment: ["CONFIG_PATH": path, "LOG_LEVEL": "error"])
        let configuration = try DockerflowConfiguration(reader)
        #expect(configuration.logFormat == .text)
        #expect(configuration.statsd?.host == "statsd.internal")
        #expect(configuration.logLevel == .error)

        try "NOT A SETTING\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: InvalidSetting(variable: "CONFIG_PATH", value: "\(path):1", expected: "KEY=VALUE lines")) {
            try EnvironmentReader.loading(environment: ["CONFIG_PATH": path])
        }
        #expect(throws: InvalidSetting.self) {
            try EnvironmentReader.loading(environment: ["CONFIG_PATH": "/no/such/file"])
        }
    }

    @Test func versionFileStates() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("version-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/version.json"
        #expect(VersionFile.load(configured: path) == .missing(paths: [path]))
        try #"{"version": "1"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(VersionFile.load(configured: path) == .found(path: path, bytes: Array(#"{"version": "1"}"#.utf8)))
        try #"{"version": "#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(VersionFile.load(configured: path) == .invalid(path: path, reason: "not valid JSON"))
        try "[1, 2]".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(
            VersionFile.load(configured: path) == .invalid(path: path, reason: "the top level is not a JSON object"))
    }
}
