import PKILab

/// An AWS IoT twin the lab file puts below port 1024 (AWS's 443) when pkilab may not listen there: rather than
/// refuse to start, `pkilab up` serves it on a free high port with the same behaviour and says how to get the
/// low one. The port is AWS's, not one the device needs, so a lab works without root.
///
/// Other listeners are not moved: a port given with `--port` is taken at its word, an echo, HTTPS or mosquitto
/// port written in lab.yaml is one the user chose (`pkilab up` stops and says why it cannot listen there), and
/// SNTP is switched off instead (devices only ever ask port 123).
enum LowPortFallback {
    /// Whether `spec` may move when its port is refused for lack of privilege.
    static func applies(to spec: EndpointSpec) -> Bool {
        spec.isAWSIoT && spec.port > 0 && spec.port < 1024 && !spec.portSetting.hasPrefix("--")
    }

    /// The notice `pkilab up` prints: where it listens instead, and the three ways to the low port.
    static func notice(for spec: EndpointSpec, port: Int) -> String {
        "\(spec.name) listens on \(DisplayHost.socket(spec.bind, port: port)) instead of port \(spec.port), with the same behaviour: "
            + "ports below 1024 need root or CAP_NET_BIND_SERVICE. Point devices at port \(port), or give pkilab port \(spec.port) with "
            + "sudo setcap cap_net_bind_service=+ep \"$(command -v pkilab)\", or sudo sysctl net.ipv4.ip_unprivileged_port_start=\(spec.port), "
            + "or run it as root with --port \(spec.name)=\(spec.port)."
    }
}
