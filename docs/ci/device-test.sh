#!/bin/sh
# An example device test for `pkilab run -- ./device-test.sh`: it talks to the throw-away lab as a device would,
# with the files and ports pkilab run puts into PKILAB_* variables. Replace the commands with your firmware's
# host build, your Python client or your integration tests.
set -eu
id=device-001
cert="$PKILAB_DEVICE_001_FULLCHAIN" key="$PKILAB_DEVICE_001_KEY"

# HTTPS with the device's certificate: /whoami says who the lab saw.
curl -fsS --cacert "$PKILAB_CA" --cert "$cert" --key "$key" "${PKILAB_HTTPS_URL}whoami" | grep -q "\"commonName\" : \"$id\""

# MQTT over mutual TLS: a retained message, read back by a second client of the same device.
mosquitto_pub -h "$PKILAB_MQTT_HOST" -p "$PKILAB_MQTT_PORT" --cafile "$PKILAB_CA" --cert "$cert" --key "$key" \
  -i "$id" -t "devices/$id/state" -m online -q 1 -r
mosquitto_sub -h "$PKILAB_MQTT_HOST" -p "$PKILAB_MQTT_PORT" --cafile "$PKILAB_CA" --cert "$cert" --key "$key" \
  -i "$id-check" -t "devices/$id/state" -C 1 -W 10 | grep -qx online

echo "device test: HTTPS and MQTT over mutual TLS as $id passed"
