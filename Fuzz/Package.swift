// swift-tools-version:6.1
// The MQTT decoder and the broker's state machine under libFuzzer. Not part of the main build or the test suite: run scripts/fuzz-mqtt.
import PackageDescription

let package = Package(
    name: "pkilab-fuzz",
    dependencies: [
        // A link named after the package, so its identity is "pkilab" whatever the checkout folder is called.
        .package(path: "deps/pkilab"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.3"),
    ],
    targets: [
        .executableTarget(
            name: "FuzzMQTTBroker",
            dependencies: [
                .product(name: "MQTTBroker", package: "pkilab"),
                .product(name: "MQTTCodec", package: "pkilab"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "FuzzMQTTDecoder",
            dependencies: [
                .product(name: "MQTTCodec", package: "pkilab"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
