// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Conic",
    products: [
        .library(name: "ConicSolver", targets: ["ConicSolver"]),
        // Problem files: the QPS/MPS, SDPA and CBF readers and the JSON writers.
        .library(name: "ConicIO", targets: ["ConicIO"]),
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
            dependencies: ["CCHOLMOD", "CLAPACK"]
        ),
        // The file formats, and the package's only use of zlib (gzip files, .npz entries).
        .target(
            name: "ConicIO",
            dependencies: ["ConicSolver", "CZlib"]
        ),
        .target(
            name: "ConicNN",
            dependencies: ["ConicSolver", "ConicIO"]
        ),
        .target(
            name: "ConicCAPI",
            dependencies: ["ConicSolver", "ConicIO", "ConicNN"],
            exclude: ["include"]
        ),
        .executableTarget(
            name: "ConicCLI",
            dependencies: [
                "ConicSolver",
                "ConicIO",
                "ConicNN",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Certificate checks (residuals, gap, cone membership, infeasibility certificates) and test
        // data shared by the test targets; a plain target that only test targets depend on.
        .target(
            name: "ConicTestSupport",
            dependencies: ["ConicSolver"],
            path: "Tests/ConicTestSupport"
        ),
        .testTarget(name: "ConicSolverTests", dependencies: ["ConicSolver", "ConicIO", "ConicTestSupport"]),
        .testTarget(name: "ConicIOTests", dependencies: ["ConicIO", "ConicSolver", "ConicTestSupport"]),
        .testTarget(name: "ConicNNTests", dependencies: ["ConicNN", "ConicSolver", "ConicTestSupport"]),
        // End-to-end tests of the `conic` command (its argument handling, reports and inputs); the
        // dependency makes `swift test` build the executable they run.
        .testTarget(name: "ConicCLITests", dependencies: ["ConicCLI"]),
    ]
)
