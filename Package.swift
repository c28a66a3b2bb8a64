// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Ballot",
    products: [
        .executable(name: "ballot", targets: ["App"]),
        .executable(name: "migrate", targets: ["Migrate"]),
        // The stack a Swift service adopts (Examples/ shows how): the Dockerflow core has no web
        // framework; DockerflowHummingbird is its adapter for Hummingbird 2; DockerflowDatabase
        // holds the heartbeat checks for Database and Migrations.
        .library(name: "Dockerflow", targets: ["Dockerflow"]),
        .library(name: "DockerflowHummingbird", targets: ["DockerflowHummingbird"]),
        .library(name: "DockerflowDatabase", targets: ["DockerflowDatabase"]),
        .library(name: "Database", targets: ["Database"]),
        .library(name: "Migrations", targets: ["Migrations"]),
        .library(name: "Settings", targets: ["Settings"]),
        .library(name: "Primitives", targets: ["Primitives"]),
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
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        // Already in the graph through Hummingbird; named for the server's own channel handler.
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(name: "Settings"),
        .target(name: "Primitives", dependencies: [.product(name: "Logging", package: "swift-log")]),
        .target(name: "Templates"),
        .target(
            name: "Database",
            dependencies: [
                "CLibPQ",
                "Primitives",
                "Settings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "Migrations",
            dependencies: [
                "Database",
                "Settings",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "MigrateCommand",
            dependencies: [
                "Dockerflow",
                "Migrations",
                "Settings",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Migrate",
            dependencies: ["MigrateCommand"]
        ),
        .target(
            name: "Dockerflow",
            dependencies: [
                "Primitives",
                "Settings",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .target(
            name: "DockerflowHummingbird",
            dependencies: [
                "Dockerflow",
                "Primitives",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
            ]
        ),
        .target(
            name: "DockerflowDatabase",
            dependencies: [
                "Database",
                "Dockerflow",
                "Migrations",
                "Primitives",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "App",
            dependencies: [
                "Database",
                "Dockerflow",
                "DockerflowDatabase",
                "DockerflowHummingbird",
                "MigrateCommand",
                "Migrations",
                "Primitives",
                "Settings",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                "Templates",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Database", "Dockerflow", "Settings", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "DatabaseTests",
            dependencies: [
                "Database", "Settings", "TestSupport",
                .product(name: "MetricsTestKit", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "DockerflowTests",
            dependencies: [
                "Dockerflow",
                "DockerflowHummingbird",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
        .testTarget(
            name: "CITests",
            dependencies: ["TestSupport"]
        ),
        .testTarget(
            name: "TemplatesTests",
            dependencies: ["Templates"]
        ),
        .testTarget(
            name: "MigrationsTests",
            dependencies: ["Migrations", "TestSupport"]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "Dockerflow",
                "DockerflowDatabase",
                "DockerflowHummingbird",
                "Settings",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
    ]
)
