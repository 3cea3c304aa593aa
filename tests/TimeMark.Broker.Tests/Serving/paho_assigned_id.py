#!/usr/bin/python3
"""Connects with MQTT v5 and a zero-length client ID, as paho's users do when they let the server name them
(Debian's python3-paho-mqtt).

usage: paho_assigned_id.py PORT USERNAME
Prints the CONNACK reason code and, on success, the Assigned Client Identifier; exit 0 once connected.
"""
import sys
import threading

import paho.mqtt.client as mqtt

port, username = int(sys.argv[1]), sys.argv[2]
connected = threading.Event()
outcome = {}


def on_connect(client, userdata, flags, reason_code, properties):
    outcome["reason"] = str(reason_code)
    outcome["assigned"] = getattr(properties, "AssignedClientIdentifier", None)
    connected.set()


client = mqtt.Client(client_id="", protocol=mqtt.MQTTv5)
client.username_pw_set(username)
client.on_connect = on_connect
client.connect("127.0.0.1", port)
client.loop_start()
ok = connected.wait(20)
client.disconnect()
client.loop_stop()
if not ok:
    print("no CONNACK")
    sys.exit(1)
print(outcome["reason"], outcome["assigned"])
sys.exit(0 if outcome["reason"] == "Success" else 1)
