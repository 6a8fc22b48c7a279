/// The commented starter lab that `pkilab init` writes; the repository's own `lab.yaml` is the same text
/// (regenerate with scripts/sync-lab-template).
public enum LabTemplate {
    public static let starter = """
# The default pkilab lab: a private PKI for mutual-TLS testing on this machine.
# `pkilab issue` builds it in ca/ (next to this file); run it again after any edit:
# only what changed is reissued. Reference: docs/lab-yaml.md.
lab: pkilab-demo

defaults:
  key: ec-p256          # ec-p256 | ec-p384 | rsa-2048 | rsa-3072 | rsa-4096 | ed25519
  validity: 825d        # leaf lifetime: 90d, 2y, 12h, 1y30d ...
  skew: 1h              # notBefore is back-dated this much, for slightly slow clocks

authorities:
  root:
    subject: { CN: pkilab Root CA, O: pkilab }
    validity: 20y
  issuing:
    parent: root
    subject: { CN: pkilab Issuing CA, O: pkilab }
    validity: 10y
    path_len: 0         # may sign leaves only
    # name_constraints: { permitted: [lab.test, 127.0.0.0/8] }   # off: many device stacks reject them
  # A second root "as if public": the OTA object store's certificate chains to it, as S3's chains to Amazon's
  # root. A device needs both roots for an OTA (export --format esp-idf puts both in ca_cert.pem). The endpoints
  # do not trust it for client certificates.
  store-root:
    subject: { CN: pkilab Store Root CA, O: pkilab public (as if) }
    validity: 20y
  store-issuing:
    parent: store-root
    subject: { CN: pkilab Store Issuing CA, O: pkilab public (as if) }
    validity: 10y
    path_len: 0

certificates:
  server:
    issuer: issuing
    role: server        # server | client | both
    # IPv4 names are also written as DNS names, for ESP32 (mbedTLS 2.x) and ESP8266 (BearSSL).
    # auto = this machine's host name, localhost, 127.0.0.1, ::1 and its other addresses.
    names: [localhost, "*.lab.test", 127.0.0.1, "::1", auto]
  device-001:
    issuer: issuing
    role: client        # CN=device-001; SAN URI urn:pkilab:pkilab-demo:device-001
  device-002:
    issuer: issuing
    role: client
    key: rsa-2048
  # expired-device:     # a deliberately expired client: one line of dates
  #   role: client
  #   not_before: 2020-01-01
  #   not_after: 2021-01-01
  # (validity: clockless makes a certificate valid from 1970, for a device whose clock is unset; its
  #  authorities need it too. Only to tell a clock problem from a TLS problem.)

# Who may publish and subscribe where on the MQTT broker: each device in its own subtree, plus broadcast/
# to listen to. A deny rule wins over any allow; what no rule allows is refused. Without policy: every
# client may do anything. Variables: ${cn} (the certificate's CN), ${identity}, ${client_id}.
policy:
  - allow: [publish, subscribe]
    topics: ["devices/${cn}/#"]
  - allow: subscribe
    topics: ["broadcast/#"]
  # - deny: publish              # rules may name identities
  #   topics: ["devices/+/firmware"]
  #   identities: [device-002]

# What `pkilab up` serves. Without this section: a TLS echo on 7443, HTTPS on 8443 and an MQTT broker on
# 8883, presenting "server" and requiring a client certificate under "root"; the CRLs over plain HTTP on
# 8480 and SNTP on UDP 123 (when allowed to bind it). All on 127.0.0.1.
# endpoints:
#   bind: 127.0.0.1     # 0.0.0.0 to let boards on the LAN connect (pkilab up then warns, listener by listener)
#   # Caps and timeouts, for every endpoint (a connection past a cap is closed with an event naming its key):
#   max_connections: 4096             # all endpoints together; lowered to what the open-file limit allows
#   max_connections_per_address: 2048 # from one client address (default: half of max_connections)
#   max_connections_per_client: 64    # TLS connections with one client certificate (by SHA-256 fingerprint)
#   idle_timeout: 60                  # seconds an HTTP(S)/CRL connection may wait for a complete request
#   echo:  { port: 7443, client_auth: require, client_chain: complete }
#   https: { port: 8443, files: firmware, tls_min: "1.2", tls_max: "1.3" }   # files: never the store, never a key
#   mqtt:  { port: 8883, behaviour: mosquitto, identity: cn }   # behaviour: aws | mosquitto; plain_port: 1883
#   # subscriptions: refuse (default: a filter wider than the policy allows gets a SUBACK failure, as AWS IoT)
#   #   | filter (Mosquitto: granted, and what the client may not read is left out at delivery);
#   # max_subscriptions: 1000 (aws: 50) per session; persistent_session_expiry: 1d (aws: 1h) for MQTT 3.1.1
#   # or several MQTT listeners sharing one broker:
#   # mqtt: [ { port: 8883 }, { name: mqtt-aws, port: 8884, behaviour: aws } ]
#   crl:   { port: 8480 }   # CRLs at http://localhost:8480/crl/, OCSP at /ocsp: the URLs in every certificate
#   sntp:  { port: 123 }    # lwIP (ESP-IDF, ESP8266) always asks port 123

# OTA as devices meet it in production: the OTA server on the HTTPS endpoint (client certificate required)
# answers GET /ota/update with a redirect to a short-lived pre-signed URL (S3 SigV4) on the object store, a second
# HTTPS listener under store-root that asks for no client certificate; /ota/manifest gives the same as JSON.
# Images: files like app-v1.2.0.bin in images: (pkilab ota image 1.2.0 makes a rehearsal one). Reference: docs/ota.md.
ota:
  images: firmware      # beside this file; never the store, never a key
  url_lifetime: 300s
  object_store: { port: 9443, names: [s3.lab.test, "*.s3.lab.test"], authority: store-issuing }
  # (the object store's names also get localhost, 127.0.0.1, ::1 and this machine's; untrusted_port: 9444 serves
  #  the same under a root no device trusts, for the wrong-ca fault)
  # targets:                       # which images whom; without it every identity may get every image
  #   - allow: ["app-*"]
  #   - deny: ["app-v2.*"]
  #     identities: [device-002]
  # fault: expired                 # a failure on purpose for every request; or ?fault=NAME per request:
  #                                # expired, not-yet-valid, tampered, wrong-ca, interrupt, bad-digest, not-allowed,
  #                                # long-url, redirect-308

# The AWS IoT Core twin: MQTT as AWS IoT Core answers a device, with the policy documents you will upload (files,
# unchanged), registered certificates, things, Device Shadow, Jobs and lifecycle events. port: is AWS's 8883;
# alpn_port: is AWS's 443 (MQTT with ALPN x-amzn-mqtt-ca, HTTPS with x-amzn-http-ca; without the privilege for
# 443, a free high port that pkilab up names). pkilab policy check answers offline. Reference: docs/aws-iot.md.
aws_iot:
  region: us-east-1
  account: "123456789012"
  port: 8884
  alpn_port: 443
  policies: { DevicePolicy: aws/device-policy.json }
  certificates:                    # status: ACTIVE | INACTIVE | REVOKED | PENDING_ACTIVATION | PENDING_TRANSFER
    device-001: { status: ACTIVE, policies: [DevicePolicy] }
    device-002: { status: ACTIVE, policies: [DevicePolicy] }
  things:                          # the client id must be the thing name for the policy's thing variables
    device-001: { certificates: [device-001], attributes: { model: esp32 } }
    device-002: { certificates: [device-002], attributes: { model: esp8266 } }

# The MQTT broker's caps, shared by its listeners (each refusal names the key that raises it):
# broker: { max_sessions: 100000, max_retained_messages: 10000, max_retained_bytes: 64MiB }

# Certificates carry the URLs of their issuer's CRL and of the OCSP responder (pkilab revoke NAME updates
# both). For boards on the LAN:
# revocation: { url: "http://192.168.1.10:8480/crl", ocsp_url: "http://192.168.1.10:8480/ocsp" }

# The zoo: servers that are wrong on purpose (expired, wrong host, SHA-1, ...), one TLS echo each from port
# 9400 and MQTT variants from 9500, so device code can prove it refuses them (pkilab zoo; pkilab up --zoo).
# zoo: { port: 9400, mqtt_port: 9500 }

# The connection log ca/events.jsonl rotates when it reaches max_size: it becomes events.jsonl.1, the older
# ones move up to .keep and the oldest is deleted. pkilab events reads them all, oldest first.
# events: { max_size: 10MiB, keep: 5 }

"""

    /// `aws/device-policy.json`, the AWS IoT policy the starter lab attaches to its devices (AWS's per-thing example:
    /// each device connects as its thing and uses its own topics, its shadow and jobs, and broadcast/).
    public static let devicePolicyPath = "aws/device-policy.json"
    public static let devicePolicy = """
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "ConnectAsItsThing",
      "Effect": "Allow",
      "Action": "iot:Connect",
      "Resource": "arn:aws:iot:us-east-1:123456789012:client/${iot:Connection.Thing.ThingName}",
      "Condition": { "Bool": { "iot:Connection.Thing.IsAttached": "true" } }
    },
    {
      "Sid": "OwnTopics",
      "Effect": "Allow",
      "Action": ["iot:Publish", "iot:Receive"],
      "Resource": [
        "arn:aws:iot:us-east-1:123456789012:topic/devices/${iot:Connection.Thing.ThingName}/*",
        "arn:aws:iot:us-east-1:123456789012:topic/$aws/things/${iot:Connection.Thing.ThingName}/*"
      ]
    },
    {
      "Sid": "OwnFilters",
      "Effect": "Allow",
      "Action": "iot:Subscribe",
      "Resource": [
        "arn:aws:iot:us-east-1:123456789012:topicfilter/devices/${iot:Connection.Thing.ThingName}/*",
        "arn:aws:iot:us-east-1:123456789012:topicfilter/$aws/things/${iot:Connection.Thing.ThingName}/*"
      ]
    },
    {
      "Sid": "Broadcast",
      "Effect": "Allow",
      "Action": ["iot:Subscribe", "iot:Receive"],
      "Resource": [
        "arn:aws:iot:us-east-1:123456789012:topicfilter/broadcast/*",
        "arn:aws:iot:us-east-1:123456789012:topic/broadcast/*"
      ]
    }
  ]
}
"""
}
