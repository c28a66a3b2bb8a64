// swift-tools-version:6.1
// A service that adopts Ballot's Dockerflow stack: see README.md.
import PackageDescription

let package = Package(
    name: "Visits",
    dependencies: [
        // In your service: .package(url: "https://github.com/ballot/ballot.git", from: "…").
        .package(name: "Ballot", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "Visits",
            dependencies: [
                .product(name: "Database", package: "Ballot"),
                .product(name: "Dockerflow", package: "Ballot"),
                .product(name: "DockerflowDatabase", package: "Ballot"),
                .product(name: "DockerflowHummingbird", package: "Ballot"),
                .product(name: "Settings", package: "Ballot"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        .testTarget(
            name: "VisitsTests",
            dependencies: [
                "Visits",
                .product(name: "Database", package: "Ballot"),
                .product(name: "Dockerflow", package: "Ballot"),
                .product(name: "Settings", package: "Ballot"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DockerflowHummingbird", package: "Ballot"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ]
        ),
    ]
)
