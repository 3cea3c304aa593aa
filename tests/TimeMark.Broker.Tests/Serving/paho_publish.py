#!/usr/bin/python3
"""Publishes one BRAID datagram built and signed in Python, as BRAID's backend
scripts do (Debian's python3-paho-mqtt, python3-cbor2, python3-cryptography).

usage: paho_publish.py PORT CLIENT_ID TOPIC PKCS8_KEY_PEM VER [v5|v311]
Prints the PUBACK reason code (v5) or "acked" (v3.1.1); exit 0 once acknowledged.
"""
import sys
import threading
import time

import cbor2
import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature


def pair(key, value):
    return cbor2.dumps(key) + cbor2.dumps(value)


def datagram(key_path, ver):
    with open(key_path, "rb") as f:
        key = serialization.load_pem_private_key(f.read(), password=None)
    # BRAID's backend scripts send TS in milliseconds.
    pairs = (pair("TS", int(time.time() * 1000)) + pair("VER", ver) + pair("PROT", 1) + pair("ACTION", 3)
             + pair("STATUS", 0) + pair("BODY", {"temp": 21.5, "source": "paho"}))
    r, s = decode_dss_signature(key.sign(b"\xbf" + pairs + b"\xff", ec.ECDSA(hashes.SHA256())))
    return b"\xbf" + pairs + pair("SIGN", r.to_bytes(32, "big") + s.to_bytes(32, "big")) + b"\xff"


def main(port, client_id, topic, key_path, ver, version):
    v5 = version == "v5"
    client = mqtt.Client(client_id=client_id, protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
    acked = threading.Event()
    result = {}

    def on_publish(_client, _userdata, _mid):
        acked.set()

    def on_connect(_client, _userdata, _flags, rc, _properties=None):
        result["connect"] = rc

    client.on_publish = on_publish
    client.on_connect = on_connect
    client.connect("127.0.0.1", int(port))
    client.loop_start()
    properties = None
    if v5:
        from paho.mqtt.properties import Properties
        from paho.mqtt.packettypes import PacketTypes
        properties = Properties(PacketTypes.PUBLISH)
        properties.ContentType = "application/cbor"
    info = client.publish(topic, datagram(key_path, int(ver)), qos=1, properties=properties)
    ok = acked.wait(20)
    client.loop_stop()
    client.disconnect()
    if not ok:
        print("no PUBACK", result)
        return 1
    print("acked", info.rc)
    return 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:7]))
