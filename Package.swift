// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "pkilab",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "pkilab", targets: ["pkilab"]),
        .library(name: "PKILab", targets: ["PKILab"]),
        .library(name: "MQTTCodec", targets: ["MQTTCodec"]),
        .library(name: "MQTTBroker", targets: ["MQTTBroker"]),
        .library(name: "AWSIoT", targets: ["AWSIoT"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation.git", from: "0.9.20"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1", traits: []),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.5.1"),
    ],
    targets: [
        // The core: lab model, validation, issuing, the ca/ store, certificate explanation.
        // It knows nothing of the command line.
        // A few C calls Swift's Glibc module does not expose (syncfs).
        .target(name: "CPKILabShims"),
        // PKCS#12 through the system OpenSSL (libssl-dev): swift-nio-ssl's BoringSSL has no SHA-256 MAC or 3DES choice.
        .target(name: "CPKILabOpenSSL", linkerSettings: [.linkedLibrary("crypto")]),
        // The OpenSSL TLS engine's C side (tls_engine: openssl): an SSL_CTX and SSL over memory BIOs, the system's
        // OpenSSL 3 (libssl-dev), beside swift-nio-ssl's BoringSSL (no clashes: BoringSSL's symbols are prefixed).
        .target(name: "CPKILabTLS", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto")]),
        .target(
            name: "PKILab",
            dependencies: [
                "CPKILabShims",
                "CPKILabOpenSSL",
                "MQTTBroker",
                "MQTTCodec",
                "AWSIoT",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // The endpoints `pkilab up` serves (TLS echo, HTTPS, the MQTT broker) on SwiftNIO, and the translation of every TLS
        // failure into a reason.
        .target(
            name: "PKILabEndpoints",
            dependencies: [
                "PKILab",
                "CPKILabTLS",
                "MQTTCodec",
                "MQTTBroker",
                "AWSIoT",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "_NIOFileSystem", package: "swift-nio"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "HummingbirdHTTP2", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // MQTT 3.1.1 and 5.0 packets: encode and decode, no I/O, so it can be tested and fuzzed alone.
        .target(
            name: "MQTTCodec",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The broker as a state machine: sessions, routing, retained messages, wills, policy, the aws and
        // mosquitto behaviours. No sockets: the endpoint handlers feed it packets and carry out what it returns.
        .target(
            name: "MQTTBroker",
            dependencies: [
                "MQTTCodec",
                "AWSIoT",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS IoT Core as a device meets it, without I/O: policy documents and their evaluation, the things registry's
        // names, Device Shadow and Jobs documents, lifecycle event payloads. The broker's aws behaviour uses it.
        .target(
            name: "AWSIoT",
            swiftSettings: swiftSettings
        ),
        // libmosquitto (Debian: libmosquitto-dev), for tests that drive the broker with the library devices use.
        .systemLibrary(
            name: "CMosquitto",
            pkgConfig: "libmosquitto",
            providers: [.apt(["libmosquitto-dev"])]
        ),
        // pkilab probe's device-side connection: the system OpenSSL (libssl-dev) and libmosquitto (libmosquitto-dev).
        .target(name: "CPKILabProbe", linkerSettings: [.linkedLibrary("ssl"), .linkedLibrary("crypto"), .linkedLibrary("mosquitto")]),
        // The thin command-line front end.
        .executableTarget(
            name: "pkilab",
            dependencies: [
                "PKILab",
                "CPKILabProbe",
                "PKILabEndpoints",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The core without I/O beyond temporary folders: lab files, issuing, the store, revocation, exports (their bytes
        // parsed back with swift-crypto and SwiftASN1), the bad-lab corpus in Fixtures/.
        .testTarget(
            name: "PKILabTests",
            dependencies: [
                "PKILab",
                "MQTTBroker",
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            resources: [.copy("Fixtures")],
            swiftSettings: swiftSettings
        ),
        // The endpoints in process, one folder each: TLS/ (the handlers in front of the TLS handler, ClientHello bytes of
        // real clients, on EmbeddedChannel), MQTT/, SNTP/, and HTTPS/ (the routes through Hummingbird's router test
        // client: /ca.pem, /files/ with Range, refusals of keys, links out and NUL bytes).
        .testTarget(
            name: "PKILabEndpointsTests",
            dependencies: [
                "PKILab",
                "PKILabEndpoints",
                "MQTTBroker",
                "MQTTCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
            ],
            swiftSettings: swiftSettings
        ),
        // The codec against hand-written byte vectors from the spec, drip-fed through NIOTestUtils.
        .testTarget(
            name: "MQTTCodecTests",
            dependencies: [
                "MQTTCodec",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The broker's state machine without sockets: sessions, QoS flows, retained, wills, policy, behaviours.
        .testTarget(
            name: "MQTTBrokerTests",
            dependencies: [
                "MQTTBroker",
                "AWSIoT",
                "MQTTCodec",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // AWS IoT policy evaluation against the behaviour AWS's documentation describes, shadows and jobs documents.
        .testTarget(
            name: "AWSIoTTests",
            dependencies: ["AWSIoT"],
            swiftSettings: swiftSettings
        ),
        // What CLITests and InteropTests share, a plain library (no swift-testing, so no #expect: the tests assert):
        // the built pkilab binary (found beside the test bundle, or $PKILAB_BIN), throw-away labs (Scratch),
        // `pkilab up` on free ports with its events (LabProcess), programs run with a deadline (Run, Background),
        // raw connections, store consistency checks and the labs both targets serve.
        .target(
            name: "PKILabTestSupport",
            dependencies: ["PKILab", .product(name: "X509", package: "swift-certificates")],
            path: "Tests/Support",
            swiftSettings: swiftSettings
        ),
        // What the command line does, through the built binary: exit codes, messages, files written, the store's
        // safety (kill -9, concurrent runs, locks, modes, CRL repair), bad labs, the events command and its rotation,
        // `pkilab up`'s output, limits, shutdown and /files/ confinement, probe and the zoo's listing. Other programs
        // appear only as instruments: openssl reading a file back, a raw socket, curl or mosquitto_pub as the good
        // device that must still be served.
        .testTarget(
            name: "CLITests",
            dependencies: ["PKILab", "PKILabTestSupport", .product(name: "Yams", package: "Yams")],
            swiftSettings: swiftSettings
        ),
        // pkilab against programs nobody here wrote: openssl (s_client, verify, ocsp, pkcs12), curl, Python's ssl and
        // http.client, mosquitto_pub/sub and the Mosquitto broker, libmosquitto, paho-mqtt, ntplib, and gcc with
        // mbedTLS, BearSSL and wolfSSL (the C clients in Tests/EmbeddedClients). scripts/test installs them.
        .testTarget(
            name: "InteropTests",
            dependencies: ["PKILab", "PKILabTestSupport", "CMosquitto"],
            swiftSettings: swiftSettings
        ),
    ],
    swiftLanguageModes: [.v6]
)
