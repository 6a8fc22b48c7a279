import Foundation
import NIOCore
import PKILab
import PKILabEndpoints
import Testing

@Suite("The words for an endpoint that cannot listen")
struct EndpointStartErrorTests {
    static let echo = EndpointSpec(kind: .echo, port: 7443, certificate: "server", trust: ["root"])

    @Test("each errno bind gives has its own words; where to change it follows the spec's settings")
    func reasons() {
        let inUse = EndpointStartError(Self.echo, error: IOError(errnoCode: EADDRINUSE, reason: "bind(descriptor:ptr:bytes:)"))
        #expect(inUse.reason == .portInUse)
        #expect(inUse.description == "echo cannot listen on 127.0.0.1:7443: the port is in use — stop the other program "
                + "(ss -ltnp 'sport = :7443' shows it) or set endpoints.echo.port in lab.yaml (0 picks a free port)")

        var low = Self.echo
        low.port = 443
        low.portSetting = "--port echo=PORT"
        let denied = EndpointStartError(low, error: IOError(errnoCode: EACCES, reason: "bind(descriptor:ptr:bytes:)"))
        #expect(denied.description == "echo cannot listen on 127.0.0.1:443: ports below 1024 need root or CAP_NET_BIND_SERVICE — "
                + "use a port from 1024 up (give another port with --port echo=PORT; 0 picks a free port), or let pkilab use low ports: "
                + "sudo setcap cap_net_bind_service=+ep \"$(command -v pkilab)\"")

        var v6 = Self.echo
        v6.bind = "fd00::99"
        v6.bindSetting = "endpoints.echo.bind"
        let missing = EndpointStartError(v6, error: IOError(errnoCode: EADDRNOTAVAIL, reason: "bind(descriptor:ptr:bytes:)"))
        #expect(missing.message == "echo cannot listen on [fd00::99]:7443: this machine has no address fd00::99")
        #expect(missing.hint.hasPrefix("set endpoints.echo.bind in lab.yaml to one of this machine's addresses"))
    }

    @Test("a bind error wrapped by another library is still recognised by its errno")
    func wrapped() {
        struct Wrapper: Error, CustomStringConvertible { var description: String }
        let error = EndpointStartError(Self.echo, error: Wrapper(description: "service failed: bind(descriptor:ptr:bytes:): Address already in use (errno: 98)"))
        #expect(error.reason == .portInUse)
    }
}
