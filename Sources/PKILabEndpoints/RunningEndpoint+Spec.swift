import PKILab

extension RunningEndpoint {
    /// Where `spec` listens now that it has `port`, and how to reach it (`scheme` is `tls`, `https`, `mqtts`, `mqtt`,
    /// `http` or `ntp`).
    init(_ spec: EndpointSpec, port: Int, scheme: String) {
        let plain = scheme == "mqtt" || !spec.kind.usesTLS
        let path = spec.kind == .https || spec.kind == .store ? "/" : spec.kind == .crl ? "/crl/" : ""
        self.init(name: spec.name, kind: spec.kind, host: spec.bind, port: port, url: "\(scheme)://\(DisplayHost.of(spec.bind)):\(port)\(path)",
                  certificate: spec.kind.usesTLS ? spec.certificate : "", clientAuth: plain ? .none : spec.clientAuth, clientChain: spec.clientChain,
                  trust: plain ? [] : spec.trust, tls: plain ? "none" : "\(spec.minimumTLS.rawValue)–\(spec.maximumTLS.rawValue)",
                  behaviour: spec.kind == .mqtt ? spec.mqtt.behaviour.rawValue : nil, zoo: spec.zoo?.rawValue)
        alpn = spec.dispatchesByALPN ? spec.alpn : nil
    }
}
