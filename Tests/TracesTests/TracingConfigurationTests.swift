import Settings
import Testing

@testable import Traces

/// OpenTelemetry's environment variables, as every SDK reads them: off unless an endpoint is
/// set; where or how to export that cannot be used throws with the variable's name, and any
/// other setting that cannot be used is ignored (its default) and named.
@Suite struct TracingConfigurationTests {
    private func configuration(_ environment: [String: String]) throws -> TracingConfiguration? {
        try TracingConfiguration(EnvironmentReader(environment), defaultServiceName: "ballot")
    }

    @Test func nothingIsTracedWithoutAnEndpointOrWhenDisabled() throws {
        #expect(try configuration([:]) == nil)
        #expect(try configuration(["OTEL_SERVICE_NAME": "x", "OTEL_TRACES_SAMPLER": "always_on"]) == nil)
        let endpoint = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"]
        #expect(try configuration(endpoint.merging(["OTEL_SDK_DISABLED": "true"]) { $1 }) == nil)
        #expect(try configuration(endpoint.merging(["OTEL_TRACES_EXPORTER": "none"]) { $1 }) == nil)
        #expect(try configuration(endpoint) != nil)
    }

    @Test func theEndpointAndItsDefaults() throws {
        let base = try #require(try configuration(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/"]))
        #expect(base.endpoint == .init(host: "collector", port: 4318, path: "/v1/traces"))
        #expect(base.serviceName == "ballot")
        #expect(base.sampler == .parentBased(root: .alwaysOn))
        #expect(base.maxQueueSize == 2_048 && base.maxBatchSize == 512)
        // The specification's defaults.
        #expect(base.scheduleDelay == .seconds(5) && base.exportTimeout == .seconds(30))
        #expect(base.requestTimeout == .seconds(10) && base.headers.isEmpty)
        #expect(base.attributeValueLengthLimit == nil)
        let small = try #require(
            try configuration(["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_BSP_MAX_QUEUE_SIZE": "100"]))
        #expect(small.maxBatchSize == 100)
        let traces = try #require(
            try configuration([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://ignored:1",
                "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://[::1]:9999/custom/path",
            ]))
        #expect(traces.endpoint == .init(host: "::1", port: 9999, path: "/custom/path"))
        let plain = try #require(try configuration(["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://127.0.0.1"]))
        #expect(plain.endpoint == .init(host: "127.0.0.1", port: 80, path: "/"))
    }

    /// The traces' own variable wins over the general one, for the protocol, the headers and
    /// the timeout; only `true` disables, as the specification reads booleans.
    @Test func tracesSettingsWinAndHeadersAreSent() throws {
        let both = try #require(
            try configuration([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_EXPORTER_OTLP_PROTOCOL": "grpc",
                "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_HEADERS": "x-general=1",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "Authorization=Bearer%20abc,x-tenant=polls",
                "OTEL_EXPORTER_OTLP_TIMEOUT": "9000", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "1500",
            ]))
        #expect(both.headers.map(\.key) == ["Authorization", "x-tenant"])
        #expect(both.headers.map(\.value) == ["Bearer abc", "polls"])
        #expect(both.requestTimeout == .milliseconds(1_500))
        for value in ["1", "yes", "false", "TRUE"] {
            let disabled = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SDK_DISABLED": value]
            #expect((try configuration(disabled) == nil) == (value == "TRUE"), "\(value)")
        }
    }

    @Test func serviceNameAndResourceAttributes() throws {
        let named = try #require(
            try configuration([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                "OTEL_RESOURCE_ATTRIBUTES":
                    "deployment.environment=prod, team=polls%20and%20votes,service.name=from-resource",
            ]))
        #expect(named.serviceName == "from-resource")
        #expect(named.resource.map(\.key) == ["deployment.environment", "team", "service.name"])
        #expect(named.resource.map(\.value) == ["prod", "polls and votes", "from-resource"])
        let overridden = try #require(
            try configuration([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_SERVICE_NAME": "web",
                "OTEL_RESOURCE_ATTRIBUTES": "service.name=from-resource",
            ]))
        #expect(overridden.serviceName == "web" && overridden.resource.map(\.value) == ["web"])
    }

    @Test(arguments: [
        ("always_on", nil, Sampler.alwaysOn), ("always_off", nil, .alwaysOff),
        ("traceidratio", "0.25", .traceIDRatio(0.25)),
        ("parentbased_always_off", nil, .parentBased(root: .alwaysOff)),
        ("PARENTBASED_TRACEIDRATIO", "0.1", .parentBased(root: .traceIDRatio(0.1))),
        ("parentbased_traceidratio", nil, .parentBased(root: .traceIDRatio(1))),
    ])
    func samplers(name: String, argument: String?, expected: Sampler) throws {
        var environment = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": name]
        environment["OTEL_TRACES_SAMPLER_ARG"] = argument
        #expect(try configuration(environment)?.sampler == expected)
    }

    @Test(arguments: [
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:0"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:http"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://user:pw@c:4318"),
        ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/a b"), ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318/\u{0}"),
        ("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"), ("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"),
        ("OTEL_TRACES_EXPORTER", "zipkin"),
    ])
    func anUnusableExportSettingNamesItsVariable(variable: String, value: String) {
        var environment = ["OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"]
        environment[variable] = value
        #expect {
            _ = try configuration(environment)
        } throws: { error in
            (error as? InvalidSetting)?.variable == variable
        }
    }

    /// Each other setting that cannot be used is ignored as the specification asks: treated as
    /// unset, so the configuration equals the one without it, and named in ``ignored``.
    @Test(arguments: [
        ("OTEL_TRACES_SAMPLER", "jaeger_remote"), ("OTEL_TRACES_SAMPLER_ARG", "1.5"),
        ("OTEL_TRACES_SAMPLER_ARG", "half"), ("OTEL_RESOURCE_ATTRIBUTES", "novalue"),
        ("OTEL_RESOURCE_ATTRIBUTES", "a=%zz"), ("OTEL_RESOURCE_ATTRIBUTES", "=x"),
        ("OTEL_RESOURCE_ATTRIBUTES", "a=1,novalue"), ("OTEL_BSP_MAX_QUEUE_SIZE", "0"),
        ("OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "4096"), ("OTEL_BSP_SCHEDULE_DELAY", "-5"),
        ("OTEL_BSP_EXPORT_TIMEOUT", "1e3"), ("OTEL_EXPORTER_OTLP_HEADERS", "bad name=1"),
        ("OTEL_EXPORTER_OTLP_HEADERS", "x=a%0D%0AInjected: 1"), ("OTEL_EXPORTER_OTLP_HEADERS", "x=%00"),
        ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "ok=1,x"), ("OTEL_EXPORTER_OTLP_TIMEOUT", "0"),
        ("OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT", "-1"), ("OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT", "ten"),
    ])
    func anUnusableSettingIsIgnoredAndNamed(variable: String, value: String) throws {
        let base = [
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
        ]
        var environment = base
        environment[variable] = value
        var ignoring = try #require(try configuration(environment))
        #expect(ignoring.ignored.map(\.variable) == [variable])
        ignoring.ignored = []
        var unset = base
        unset[variable] = nil
        #expect(ignoring == (try configuration(unset)))
    }

    /// A signal's own variable that cannot be used gives way to the general one, as if unset:
    /// a malformed traces-only header must not send the exports without the general token.
    @Test func anUnusableTracesVariableGivesWayToTheGeneralOne() throws {
        let configuration = try #require(
            try configuration([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS": "broken", "OTEL_EXPORTER_OTLP_HEADERS": "Authorization=Bearer%20t",
                "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT": "soon", "OTEL_EXPORTER_OTLP_TIMEOUT": "2500",
                "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT": "-3", "OTEL_ATTRIBUTE_VALUE_LENGTH_LIMIT": "100",
            ]))
        #expect(
            configuration.headers.map(\.key) == ["Authorization"] && configuration.headers.first?.value == "Bearer t")
        #expect(configuration.requestTimeout == .milliseconds(2_500) && configuration.attributeValueLengthLimit == 100)
        #expect(
            configuration.ignored.map(\.variable) == [
                "OTEL_EXPORTER_OTLP_TRACES_HEADERS", "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT",
                "OTEL_SPAN_ATTRIBUTE_VALUE_LENGTH_LIMIT",
            ])
    }

    /// Several at once are each named, and the usable settings beside them still apply.
    @Test func usableSettingsApplyBesideIgnoredOnes() throws {
        let configuration = try #require(
            try configuration([
                "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318", "OTEL_TRACES_SAMPLER": "sometimes",
                "OTEL_BSP_SCHEDULE_DELAY": "250", "OTEL_BSP_MAX_QUEUE_SIZE": "many", "OTEL_SERVICE_NAME": "polls",
            ]))
        #expect(Set(configuration.ignored.map(\.variable)) == ["OTEL_TRACES_SAMPLER", "OTEL_BSP_MAX_QUEUE_SIZE"])
        #expect(configuration.sampler == .parentBased(root: .alwaysOn) && configuration.maxQueueSize == 2_048)
        #expect(configuration.scheduleDelay == .milliseconds(250) && configuration.serviceName == "polls")
    }
}
