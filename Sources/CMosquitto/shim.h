// libmosquitto, the MQTT client library of Linux devices (Debian: libmosquitto-dev), for the tests that drive
// the lab's broker with it.
#include <mosquitto.h>
