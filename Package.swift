// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "Ballot",
    products: [
        .executable(name: "ballot", targets: ["App"]),
        .executable(name: "migrate", targets: ["Migrate"]),
        .library(name: "Database", targets: ["Database"]),
        .library(name: "Migrations", targets: ["Migrations"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLibPQ",
            pkgConfig: "libpq",
            providers: [.apt(["libpq-dev"])]
        ),
        .target(
            name: "Database",
            dependencies: [
                "CLibPQ",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .target(
            name: "Migrations",
            dependencies: [
                "Database",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Migrate",
            dependencies: [
                "Migrations",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "App",
            dependencies: [
                "Database",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "DatabaseBenchmark",
            dependencies: [
                "Database",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            path: "Benchmarks/DatabaseBenchmark"
        ),
        .target(
            name: "TestSupport",
            dependencies: ["Database"],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "DatabaseTests",
            dependencies: ["Database", "TestSupport"]
        ),
        .testTarget(
            name: "MigrationsTests",
            dependencies: ["Migrations", "TestSupport"]
        ),
        .testTarget(
            name: "AppTests",
            dependencies: [
                "App",
                "TestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
