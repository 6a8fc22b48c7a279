/// How pkilab writes a listening address where a person or a client connects to it: in URLs, the example
/// commands, the zoo's list and the CRL and OCSP URLs put into certificates.
public enum DisplayHost {
    /// `localhost` for the loopback and every-interface addresses (`127.0.0.1`, `::1`, `0.0.0.0`, `::`, `localhost`),
    /// which the lab's server certificates name; other IPv6 addresses in brackets; anything else as it is.
    public static func of(_ bind: String) -> String {
        if ["127.0.0.1", "::1", "0.0.0.0", "::", "localhost"].contains(bind) { return "localhost" }
        return bind.contains(":") ? "[\(bind)]" : bind
    }

    /// `127.0.0.1:8443` or `[::1]:8443`: where a listener is, as `ss` and error messages write it.
    public static func socket(_ bind: String, port: Int) -> String {
        bind.contains(":") ? "[\(bind)]:\(port)" : "\(bind):\(port)"
    }
}
