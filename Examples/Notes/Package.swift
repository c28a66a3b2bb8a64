// swift-tools-version:6.1
// A second app on Ballot's stack: README.md is the tutorial that writes it.
import PackageDescription

let package = Package(
    name: "Notes",
    dependencies: [
        // In your app: .package(url: "https://github.com/ballot/ballot.git", from: "…").
        .package(name: "Ballot", path: "../.."),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
    ],
    targets: [
        .executableTarget(
            name: "Notes",
            dependencies: [
                .product(name: "Auth", package: "Ballot"),
                .product(name: "Database", package: "Ballot"),
                .product(name: "Dockerflow", package: "Ballot"),
                .product(name: "DockerflowDatabase", package: "Ballot"),
                .product(name: "DockerflowHummingbird", package: "Ballot"),
                .product(name: "MigrateCommand", package: "Ballot"),
                .product(name: "Migrations", package: "Ballot"),
                .product(name: "Settings", package: "Ballot"),
                .product(name: "Templates", package: "Ballot"),
                .product(name: "Web", package: "Ballot"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ],
            resources: [.embedInCode("Migrations"), .embedInCode("Templates")]
        ),
        .testTarget(
            name: "NotesTests",
            dependencies: [
                "Notes",
                .product(name: "Auth", package: "Ballot"),
                .product(name: "Database", package: "Ballot"),
                .product(name: "Dockerflow", package: "Ballot"),
                .product(name: "Migrations", package: "Ballot"),
                .product(name: "Settings", package: "Ballot"),
                .product(name: "Web", package: "Ballot"),
                .product(name: "WebTesting", package: "Ballot"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
    ]
)
