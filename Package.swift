// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "Linkwell",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "linkwell", targets: ["linkwell"]),
        .executable(name: "linkwell-bench", targets: ["linkwell-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth.git", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache.git", from: "2.1.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/vapor/sql-kit.git", from: "3.36.0"),
        .package(url: "https://github.com/vapor/sqlite-kit.git", from: "4.5.2"),
        .package(url: "https://github.com/vapor/postgres-kit.git", from: "2.17.0"),
        .package(url: "https://github.com/vapor/sqlite-nio.git", from: "1.13.2"),
        .package(url: "https://github.com/vapor/async-kit.git", from: "1.22.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
    ],
    targets: [
        // The domain. Its one dependency is swift-crypto, for the hashes and HMACs of tokens and one-time
        // codes (pure computation: no server, database or UI).
        .target(name: "LinkwellCore", dependencies: [
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "LinkwellStorage", dependencies: [
            "LinkwellCore",
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "SQLiteKit", package: "sqlite-kit"),
            .product(name: "PostgresKit", package: "postgres-kit"),
            .product(name: "SQLiteNIO", package: "sqlite-nio"),
            .product(name: "AsyncKit", package: "async-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Metrics", package: "swift-metrics"),
        ]),
        // Password hashing (bcrypt) behind Core's `PasswordHasher`, so that the domain, the commands and
        // the test support hash passwords without the web server.
        .target(name: "LinkwellPasswords", dependencies: [
            "LinkwellCore",
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ], exclude: ["Resources/README.md"], resources: [.copy("Resources/common-passwords.txt")]),
        .target(name: "LinkwellWeb", dependencies: [
            "LinkwellCore", "LinkwellPasswords", "LinkwellStorage",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
        ], resources: [.copy("Templates"), .copy("Static")]),
        .target(name: "LinkwellCommands", dependencies: [
            "LinkwellCore", "LinkwellStorage", "LinkwellPasswords", "LinkwellWeb",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "linkwell", dependencies: ["LinkwellCommands"]),
        // Synthetic data, load generators and benchmarks: no product module depends on these.
        .target(name: "LinkwellBench", dependencies: [
            "LinkwellCore", "LinkwellStorage", "LinkwellWeb", "LinkwellCommands", "LinkwellPasswords",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "SQLKit", package: "sql-kit"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOPosix", package: "swift-nio"),
        ]),
        .executableTarget(name: "linkwell-bench", dependencies: ["LinkwellBench"]),
        .target(name: "LinkwellTesting", dependencies: [
            "LinkwellCore", "LinkwellStorage", "LinkwellPasswords",
        ]),
        .testTarget(name: "LinkwellTests", dependencies: [
            "LinkwellCore", "LinkwellStorage", "LinkwellWeb", "LinkwellCommands", "LinkwellTesting", "LinkwellBench",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "SQLKit", package: "sql-kit"),
        ]),
    ]
)
