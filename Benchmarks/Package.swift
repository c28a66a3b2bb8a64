// swift-tools-version:6.1
// Ballot's own benchmarks, a package of their own so the server's build, its tests and its image
// never compile them: `make bench` builds BareServer (a Hummingbird route with nothing else, the
// ceiling for Ballot's HTTP stack), `make bench-db` builds DatabaseBenchmark (the pool against
// pgbench), `scripts/bench/spans` SpanBenchmark (what tracing costs a request, without HTTP).
// Benchmarks/Reference is the comparison stack, in a package of its own as well.
import PackageDescription

let package = Package(
    name: "BallotBenchmarks",
    dependencies: [
        .package(name: "Ballot", path: ".."),
        // No default traits, as in Ballot: the bare route must not pay for what Ballot leaves out.
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
    ],
    targets: [
        .executableTarget(
            name: "DatabaseBenchmark",
            dependencies: [
                .product(name: "Database", package: "Ballot"),
                .product(name: "Primitives", package: "Ballot"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "TaskBenchmark",
            dependencies: [
                .product(name: "Database", package: "Ballot"),
                .product(name: "Migrations", package: "Ballot"),
                .product(name: "Tasks", package: "Ballot"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "SpanBenchmark",
            dependencies: [
                .product(name: "OTLPExport", package: "Ballot"),
                .product(name: "Settings", package: "Ballot"),
                .product(name: "Traces", package: "Ballot"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "BareServer",
            dependencies: [.product(name: "Hummingbird", package: "hummingbird")]
        ),
    ]
)
