import AWSIoT

/// What a connection to an `aws` listener with a twin is, for AWS IoT: its principal, the request context its
/// policy variables read, and what its lifecycle events carry. Kept on the connection and on its session (delivery
/// asks `iot:Receive` of the session's owner).
struct IoTAccess: Sendable {
    var principal: IoTTwin.Principal
    var context: IoTRequestContext
    /// The thing the client id names, when the certificate is attached to it (lifecycle events carry it).
    var thingName: String?
    /// `sessionIdentifier` of the lifecycle events, one per connection.
    var sessionIdentifier: String
    /// Why the connection ended, for its `disconnected` lifecycle event; set where the broker decides to close it.
    var disconnectReason: IoTLifecycle.DisconnectReason?
    /// The lifecycle `versionNumber` its connected event carried, which its disconnected event repeats.
    var versionNumber = 0

    func decide(_ action: IoTAction, _ target: String) -> IoTPolicyDecision {
        principal.evaluator.evaluate(action, target: target, context: context)
    }
}
