// swift-tools-version:6.1
// A package whose target A imports B without declaring it: scripts/check/imports must say so.
import PackageDescription

let package = Package(
    name: "UndeclaredImport",
    targets: [
        .target(name: "B"),
        .target(name: "C", dependencies: ["B"]),
        .target(name: "A", dependencies: ["C"]),
    ]
)
