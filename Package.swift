// swift-tools-version: 6.0
//
// VolcanoSSL: self-supervised contrastive learning for volcano-seismic events.
// One library target per concern; dependencies point one way (see DESIGN.md):
//   CBLAS → VolcanoCore → Autograd → NeuralNet ─────────────┐
//                       → Seismology → VolcanoData ─────────┴→ Contrastive ─┐
//                       → Manifold → Clustering → Reports ──────────────────┴→ VolcanoSSLCLI
import PackageDescription

let strict: [SwiftSetting] = [.swiftLanguageMode(.v6)]

let package = Package(
    name: "VolcanoSSL",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "volcano-ssl", targets: ["VolcanoSSLCLI"]),
        .executable(name: "vssl-bench", targets: ["VolcanoBench"]),
        .library(name: "VolcanoCore", targets: ["VolcanoCore"]),
        .library(name: "Autograd", targets: ["Autograd"]),
        .library(name: "NeuralNet", targets: ["NeuralNet"]),
        .library(name: "Seismology", targets: ["Seismology"]),
        .library(name: "VolcanoData", targets: ["VolcanoData"]),
        .library(name: "Contrastive", targets: ["Contrastive"]),
        .library(name: "Manifold", targets: ["Manifold"]),
        .library(name: "Clustering", targets: ["Clustering"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "Experiments", targets: ["Experiments"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
    ],
    targets: [
        // BLAS + LAPACK behind one small C shim: Accelerate on macOS, OpenBLAS + LAPACKE on Linux.
        .target(
            name: "CBLAS",
            linkerSettings: [
                .linkedFramework("Accelerate", .when(platforms: [.macOS])),
                .linkedLibrary("openblas", .when(platforms: [.linux])),
                .linkedLibrary("lapacke", .when(platforms: [.linux])),
            ]
        ),
        // libhdf5 (C API) for HDF5 event files such as the public Llaima release.
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"]), .brew(["hdf5"])]),
        // zlib, for the test helpers' PNG decoder (browser screenshots).
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),

        // Seeded randomness, threads, atomic files, NPY arrays, progress, input errors.
        .target(name: "VolcanoCore", dependencies: ["CBLAS"], swiftSettings: strict),

        // Float32 tensors, BLAS kernels, the explicit gradient tape and differentiable ops.
        .target(name: "Autograd", dependencies: ["VolcanoCore", "CBLAS"], swiftSettings: strict),
        // Modules and layers under PyTorch state_dict names, optimizers, LR schedules, safetensors.
        .target(name: "NeuralNet", dependencies: ["Autograd", "VolcanoCore"], swiftSettings: strict),

        // Traces and streams, waveform I/O, filters, resampling, STA/LTA, triggers, event windows.
        .target(name: "Seismology", dependencies: ["VolcanoCore", "CBLAS", "CHDF5"], swiftSettings: strict),
        // The Dataset folder format, splits, and the synthetic volcano-seismic generator.
        .target(name: "VolcanoData", dependencies: ["Seismology", "VolcanoCore", "CBLAS"], swiftSettings: strict),

        // Augmentations, encoders, SimCLR, TS-TCC, few-label training, embeddings.
        .target(name: "Contrastive", dependencies: ["VolcanoCore", "Autograd", "NeuralNet", "VolcanoData", "CBLAS"], swiftSettings: strict),

        // Exact and approximate nearest neighbours, UMAP fit/transform, trustworthiness.
        .target(name: "Manifold", dependencies: ["VolcanoCore", "CBLAS"], swiftSettings: strict),
        // KMeans, spectral, agglomerative (Ward), HDBSCAN and the cluster metrics.
        .target(name: "Clustering", dependencies: ["Manifold", "VolcanoCore", "CBLAS"], swiftSettings: strict),

        // SVG charts and the self-contained HTML report.
        .target(name: "Reports", dependencies: ["VolcanoCore"], swiftSettings: strict),

        // The paper's experiments end to end: representation × clusterer tables, the run report.
        .target(
            name: "Experiments",
            dependencies: ["VolcanoCore", "Seismology", "VolcanoData", "Contrastive", "Manifold", "Clustering", "Reports",
                           .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),

        .executableTarget(
            name: "VolcanoSSLCLI",
            dependencies: [
                "VolcanoCore", "Seismology", "VolcanoData", "Contrastive", "Manifold", "Clustering", "Reports", "Experiments",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // The Swift side of `make bench` (prints JSON; bench/*.sh add the reference tools).
        .executableTarget(
            name: "VolcanoBench",
            dependencies: [
                "VolcanoCore", "Autograd", "NeuralNet", "Seismology", "VolcanoData", "Contrastive", "Manifold", "Clustering",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),

        // Shared test helpers: fixture paths, tolerance checks, gradient checks, PNG screenshots,
        // headless browser.
        .target(name: "TestSupport", dependencies: ["VolcanoCore", "Autograd", "CZlib", "CHDF5"], swiftSettings: strict),
        .testTarget(name: "VolcanoCoreTests", dependencies: ["VolcanoCore", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "AutogradTests", dependencies: ["Autograd", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "NeuralNetTests", dependencies: ["NeuralNet", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "SeismologyTests", dependencies: ["Seismology", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "VolcanoDataTests", dependencies: ["VolcanoData", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ContrastiveTests", dependencies: ["Contrastive", "VolcanoData", "Seismology", "NeuralNet", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ManifoldTests", dependencies: ["Manifold", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ClusteringTests", dependencies: ["Clustering", "Manifold", "TestSupport", "VolcanoCore"], swiftSettings: strict),
        .testTarget(name: "ExperimentsTests", dependencies: ["Experiments", "VolcanoData", "Seismology", "Contrastive", "Manifold", "Clustering", "VolcanoCore", "TestSupport"], swiftSettings: strict),
        // End to end: runs the built `volcano-ssl` executable (help, bad input, day-long detection).
        .testTarget(name: "CLITests", dependencies: ["TestSupport", "VolcanoCore"], swiftSettings: strict),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "VolcanoCore", "TestSupport"], swiftSettings: strict),
    ]
)
