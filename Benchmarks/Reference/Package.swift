// swift-tools-version:6.1
// The comparison point of docs/performance.md: the polls endpoints the way a Swift team would
// write them on Hummingbird 2 with PostgresNIO and swift-mustache. A package of its own, so
// Ballot's build and CI never compile PostgresNIO; `make bench-reference` builds and runs it.
import PackageDescription

let package = Package(
    name: "Reference",
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
    ],
    targets: [
        .executableTarget(
            name: "ReferenceServer",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        )
    ]
)
