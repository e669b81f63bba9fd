// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Conic",
    products: [
        .library(name: "ConicSolver", targets: ["ConicSolver"]),
        .library(name: "ConicNN", targets: ["ConicNN"]),
        .executable(name: "conic", targets: ["ConicCLI"]),
        // The C ABI (Sources/ConicCAPI/include/conic.h) that the Python package loads.
        .library(name: "ConicCAPI", type: .dynamic, targets: ["ConicCAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        // `swift package generate-documentation` (DocC catalogs in Sources/*/*.docc); a plugin
        // only, nothing of it is linked.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CCHOLMOD", path: "Sources/CCHOLMOD"),
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK"),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        .target(
            name: "ConicSolver",
            dependencies: ["CCHOLMOD", "CLAPACK", "CZlib"]
        ),
        .target(
            name: "ConicNN",
            dependencies: ["ConicSolver", "CZlib"]
        ),
        .target(
            name: "ConicCAPI",
            dependencies: ["ConicSolver", "ConicNN"],
            exclude: ["include"]
        ),
        .executableTarget(
            name: "ConicCLI",
            dependencies: [
                "ConicSolver",
                "ConicNN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "ConicSolverTests", dependencies: ["ConicSolver"]),
        .testTarget(name: "ConicNNTests", dependencies: ["ConicNN", "ConicSolver"]),
        // End-to-end tests of the `conic` command (its argument handling, reports and inputs); the
        // dependency makes `swift test` build the executable they run.
        .testTarget(name: "ConicCLITests", dependencies: ["ConicCLI"]),
    ]
)
