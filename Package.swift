// swift-tools-version:6.1
import PackageDescription

/// A product of another package, by its package's URL name.
func product(_ name: String, _ package: String) -> Target.Dependency { .product(name: name, package: package) }

let logging = product("Logging", "swift-log")
let metrics = product("Metrics", "swift-metrics")
let hummingbird = product("Hummingbird", "hummingbird")
let httpTypes = product("HTTPTypes", "swift-http-types")
let argumentParser = product("ArgumentParser", "swift-argument-parser")
let crypto = product("Crypto", "swift-crypto")
let nioCore = product("NIOCore", "swift-nio")
let prometheus = product("Prometheus", "swift-prometheus")

let package = Package(
    name: "Ballot",
    products: [
        // The polls site; `ballot migrate` is its migrate command.
        .executable(name: "ballot", targets: ["App"]),
        // The stack the next app is built on (Examples/ shows how; docs/architecture.md has the
        // graph). Web and Auth are the web framework half: sessions, CSRF, forms, pages, users
        // and permissions, each with its own migrations. The Dockerflow core has no web
        // framework; DockerflowHummingbird is its adapter for Hummingbird 2; DockerflowDatabase
        // holds the heartbeat checks for Database and Migrations.
        .library(name: "Web", targets: ["Web"]),
        .library(name: "Auth", targets: ["Auth"]),
        .library(name: "Tasks", targets: ["Tasks"]),
        // For an app's tests: a browser's cookie jar, hostile-input tables, a fresh database.
        .library(name: "WebTesting", targets: ["WebTesting"]),
        .library(name: "Dockerflow", targets: ["Dockerflow"]),
        .library(name: "DockerflowHummingbird", targets: ["DockerflowHummingbird"]),
        .library(name: "DockerflowDatabase", targets: ["DockerflowDatabase"]),
        .library(name: "Database", targets: ["Database"]),
        .library(name: "Migrations", targets: ["Migrations"]),
        .library(name: "MigrateCommand", targets: ["MigrateCommand"]),
        .library(name: "Templates", targets: ["Templates"]),
        .library(name: "Settings", targets: ["Settings"]),
        .library(name: "Primitives", targets: ["Primitives"]),
        .library(name: "JSON", targets: ["JSON"]),
        .library(name: "Statsd", targets: ["Statsd"]),
        .library(name: "Traces", targets: ["Traces"]),
        .library(name: "OTLPExport", targets: ["OTLPExport"]),
    ],
    dependencies: [
        // No default traits: "FullFoundation" links all of Foundation and ICU (~50 MB of the
        // image) for URL-encoded form options Ballot does not use; Ballot reads its own
        // configuration, so "ConfigurationSupport" is not needed either.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        // The Prometheus registry and its text format, for METRICS_PORT (docs/architecture.md).
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Already in the graph through Hummingbird; named for the server's channel handlers and
        // the password hashes' thread pool.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        // The data layer and its neighbours: no web framework below this line.
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .target(name: "Settings"),
        // Spans: W3C Trace Context, sampling, OpenTelemetry's settings, the current span. What
        // opens spans (the database, the tasks) depends on this alone; no network code.
        .target(name: "Traces", dependencies: ["Primitives", "Settings"]),
        // Spans to a collector: OTLP's protobuf body, its HTTP client, the batching exporter.
        .target(
            name: "OTLPExport",
            dependencies: [
                "Primitives", "Traces", logging, nioCore, product("NIOPosix", "swift-nio"),
                product("NIOHTTP1", "swift-nio"), product("ServiceLifecycle", "swift-service-lifecycle"),
            ]
        ),
        .target(name: "Primitives", dependencies: [logging]),
        .target(name: "JSON"),
        .target(name: "Templates"),
        .target(name: "Statsd", dependencies: ["Primitives", product("CoreMetrics", "swift-metrics")]),
        .target(name: "Database", dependencies: ["CLibPQ", "Primitives", "Settings", "Traces", logging, metrics]),
        .target(name: "Migrations", dependencies: ["Database", "Settings", crypto, logging]),
        .target(
            name: "MigrateCommand",
            dependencies: ["Database", "Dockerflow", "Migrations", "Settings", argumentParser, logging]
        ),

        // Dockerflow: the core, its Hummingbird adapter, its database checks.
        .target(
            name: "Dockerflow",
            dependencies: [
                "JSON", "OTLPExport", "Primitives", "Settings", "Statsd", "Traces", logging, metrics,
                product("CoreMetrics", "swift-metrics"), prometheus, product("UnixSignals", "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "DockerflowHummingbird",
            dependencies: [
                "Dockerflow", "JSON", "Primitives", "Traces", hummingbird, product("HummingbirdCore", "hummingbird"),
                httpTypes,
                logging, metrics, prometheus, product("ServiceLifecycle", "swift-service-lifecycle"),
                product("UnixSignals", "swift-service-lifecycle"), nioCore, product("NIOHTTP1", "swift-nio"),
                product("NIOHTTPTypes", "swift-nio-extras"),
            ]
        ),
        .target(
            name: "DockerflowDatabase",
            dependencies: [
                "Database", "Dockerflow", "Migrations", "Primitives", "Tasks", logging, prometheus,
                product("ServiceLifecycle", "swift-service-lifecycle"),
            ]
        ),

        // The web framework: Web (sessions, CSRF, forms, pages, assets, errors), Auth (users,
        // groups, permissions, sign-in), each carrying its migrations and templates in its code.
        .target(
            name: "Web",
            dependencies: [
                "Database", "Dockerflow", "DockerflowHummingbird", "JSON", "Migrations", "Primitives", "Settings",
                "Templates", argumentParser, crypto, hummingbird, product("HummingbirdCore", "hummingbird"),
                httpTypes, logging, nioCore, product("NIOHTTPTypes", "swift-nio-extras"),
            ],
            resources: [.embedInCode("Migrations"), .embedInCode("Templates")]
        ),
        .target(
            name: "Auth",
            dependencies: [
                "Database", "DockerflowHummingbird", "Migrations", "Primitives", "Settings", "Templates", "Web",
                argumentParser, crypto, product("_CryptoExtras", "swift-crypto"), hummingbird, httpTypes, logging,
                nioCore, product("NIOPosix", "swift-nio"),
            ],
            resources: [.embedInCode("Migrations"), .embedInCode("Templates")]
        ),

        // Background tasks on PostgreSQL: the queue, its table, and the worker `ballot worker` runs.
        .target(
            name: "Tasks",
            dependencies: [
                "Database", "Migrations", "Primitives", "Settings", "Traces", logging, metrics,
                product("ServiceLifecycle", "swift-service-lifecycle"),
            ],
            resources: [.embedInCode("Migrations")]
        ),

        // The polls site: an app on Web and Auth, using only their public API.
        .executableTarget(
            name: "App",
            dependencies: [
                "Auth", "Database", "Dockerflow", "DockerflowDatabase", "DockerflowHummingbird", "JSON",
                "MigrateCommand", "Migrations", "Settings", "Tasks", "Templates", "Web", argumentParser, hummingbird,
                httpTypes, logging, metrics,
            ]
        ),

        .target(
            name: "WebTesting",
            dependencies: ["Database", "Web", hummingbird, httpTypes, product("HummingbirdTesting", "hummingbird")]
        ),

        .target(
            name: "TestSupport",
            dependencies: ["Database", "Dockerflow", "Primitives", "Settings", "Traces", "WebTesting", logging],
            path: "Tests/TestSupport"
        ),
        .testTarget(name: "JSONTests", dependencies: ["JSON"]),
        .testTarget(name: "TasksTests", dependencies: ["Database", "Migrations", "Tasks", "TestSupport", logging]),
        .testTarget(
            name: "WebTests",
            dependencies: [
                "Database", "DockerflowHummingbird", "Migrations", "Settings", "Templates", "TestSupport", "Web",
                "WebTesting", hummingbird, httpTypes, logging, nioCore, product("HummingbirdTesting", "hummingbird"),
            ]
        ),
        .testTarget(name: "TemplatesTests", dependencies: ["Templates"]),
        .testTarget(name: "PrimitivesTests", dependencies: ["Primitives", "TestSupport"]),
        .testTarget(
            name: "TracesTests",
            dependencies: [
                "OTLPExport", "Primitives", "Settings", "TestSupport", "Traces", nioCore, logging,
                product("ServiceLifecycle", "swift-service-lifecycle"),
            ]),
        .testTarget(
            name: "DockerflowDatabaseTests",
            dependencies: ["Database", "Dockerflow", "DockerflowDatabase", "Migrations", "Primitives", "TestSupport"]
        ),
        .testTarget(name: "CITests", dependencies: ["TestSupport"], exclude: ["Fixtures"]),
        .testTarget(
            name: "DatabaseTests",
            dependencies: [
                "Database", "Primitives", "Settings", "TestSupport", "Traces",
                product("MetricsTestKit", "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "DockerflowTests",
            dependencies: [
                "Dockerflow", "DockerflowHummingbird", "Settings", "Statsd", "TestSupport", "Traces", hummingbird,
                httpTypes,
                metrics, prometheus, product("HummingbirdTesting", "hummingbird"), nioCore,
                product("NIOEmbedded", "swift-nio"), product("NIOHTTPTypes", "swift-nio-extras"),
            ]
        ),
        .testTarget(
            name: "AuthTests",
            dependencies: [
                "Auth", "Database", "DockerflowHummingbird", "Migrations", "Settings", "TestSupport", "Web",
                "WebTesting", hummingbird, httpTypes, product("HummingbirdTesting", "hummingbird"),
            ]
        ),
        .testTarget(
            name: "MigrationsTests",
            dependencies: ["Auth", "Database", "Migrations", "TestSupport", "Web"],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App", "Auth", "Database", "Dockerflow", "DockerflowDatabase", "DockerflowHummingbird", "Migrations",
                "Primitives", "Settings", "Tasks", "Templates", "TestSupport", "Traces", "Web", "WebTesting",
                hummingbird,
                httpTypes, logging,
                product("HummingbirdTesting", "hummingbird"), product("Mustache", "swift-mustache"),
            ]
        ),
    ]
)
