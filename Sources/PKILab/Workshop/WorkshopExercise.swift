/// An exercise of a workshop that grades itself from the lab's connection events (``WorkshopGrader``).
///
/// The raw value is the stable name the console, JSON and ``AttendeeStatus/exercises`` use. The words are written
/// for a projector and for attendees who have the lab in front of them: ``title`` heads a column, ``task`` says
/// what to do, ``passWhen`` what the grader counts, and ``setup`` what the teacher must do before.
public enum WorkshopExercise: String, CaseIterable, Codable, Sendable {
    /// Connect to a lab endpoint with the attendee's own certificate.
    case firstConnection = "first-connection"
    /// Make the MQTT broker refuse something by policy.
    case policyDenial = "policy-denial"
    /// Meet the zoo's deliberately bad servers and refuse every wrong one.
    case zoo
    /// Give the device a CA bundle without the lab root and watch it refuse the lab's server.
    case wrongCABundle = "wrong-ca-bundle"
    /// Be refused because the attendee's certificate expired (the lab's clock moved ahead).
    case expiry
    /// Be refused because the attendee's certificate was revoked.
    case revocation

    /// A short name for a column header on a projector.
    public var title: String {
        switch self {
        case .firstConnection: "First mTLS"
        case .policyDenial: "Policy denial"
        case .zoo: "Zoo"
        case .wrongCABundle: "Wrong CA"
        case .expiry: "Expiry"
        case .revocation: "Revocation"
        }
    }

    /// What the attendee does, in one or two sentences.
    public var task: String {
        switch self {
        case .firstConnection:
            "Connect the device (or curl, openssl s_client, mosquitto_pub) to one of the lab's endpoints with its own "
                + "certificate and key, trusting the lab root."
        case .policyDenial:
            "Publish or subscribe on the lab's MQTT broker to a topic the policy does not give the device (another "
                + "device's topic, say), and read why it was refused."
        case .zoo:
            "Point the device at every one of the zoo's bad servers (TLS echo from port 9400, MQTT from 9500) and make "
                + "it refuse each one but good."
        case .wrongCABundle:
            "Give the device a CA bundle without the lab root (the system bundle, say) and connect to a lab endpoint "
                + "from the address it used before: the device must refuse the lab's server."
        case .expiry:
            "Once the teacher has moved the lab's clock ahead, connect with the same certificate as before and read why "
                + "it is refused."
        case .revocation:
            "Once the teacher has revoked the device's certificate, connect with it again and read why it is refused."
        }
    }

    /// What counts as passed, and as failed where an exercise can fail (only ``zoo`` can).
    public var passWhen: String {
        switch self {
        case .firstConnection:
            "Passed when a lab endpoint (not the zoo) accepts a connection with the attendee's certificate."
        case .policyDenial:
            "Passed when the broker refuses the attendee's certificate identity by policy: publish_denied, "
                + "subscribe_denied, receive_denied, will_denied, or connect_denied on an aws listener."
        case .zoo:
            "Passed when every zoo server has been tried and none failed; failed, naming the servers, as soon as the "
                + "device accepts one it must refuse (and sends data) or refuses good. Revoked, long-chain and "
                + "huge-certificate never fail."
        case .wrongCABundle:
            "Passed when the device refuses the server of a lab endpoint (not the zoo): reason client_rejected_server, "
                + "from an address where only this attendee's certificate was seen before."
        case .expiry:
            "Passed when a lab endpoint refuses the attendee's certificate with reason expired."
        case .revocation:
            "Passed when a lab endpoint refuses the attendee's certificate with reason revoked."
        }
    }

    /// What the teacher must do before the exercise can be passed; nil when nothing.
    public var setup: String? {
        switch self {
        case .firstConnection: nil
        case .policyDenial:
            "The lab needs a policy: section in lab.yaml (the default lab gives each device devices/${cn}/#); "
                + "without one the broker allows everything."
        case .zoo:
            "Serve the zoo: pkilab up --console --zoo (or a zoo: section in lab.yaml); pkilab zoo lists its ports."
        case .wrongCABundle: nil
        case .expiry:
            "Restart the lab with the endpoints' clock past the certificates' lifetime (825 days by default): "
                + "pkilab up --console --lab-clock-offset +3y; restart without the offset afterwards."
        case .revocation:
            "Revoke the attendee's certificate: pkilab revoke NAME (its name in the lab, e.g. device-0001); running "
                + "endpoints refuse it from the next connection. pkilab unrevoke NAME undoes it."
        }
    }
}
