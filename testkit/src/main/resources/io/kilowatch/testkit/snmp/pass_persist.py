"""net-snmp pass_persist responder for SnmpdPeer: serves the OIDs under one root from a file.

Usage (snmpd.conf): pass_persist .ROOT /usr/bin/python3 pass_persist.py VALUES_FILE ROOT

The file holds one value per line, "OID TYPE VALUE" (TYPE as pass_persist spells it: integer,
gauge, counter, counter64, timeticks, string, objectid, octet). It is read again whenever it is
replaced, so a test changes the agent's values between polls by rewriting it.
"""
import bisect
import os
import sys

path, root = sys.argv[1], tuple(int(x) for x in sys.argv[2].strip(".").split("."))
values, keys, stamp = {}, [], None


def parse(text):
    return tuple(int(x) for x in text.strip().strip(".").split(".") if x)


def load():
    global values, keys, stamp
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return
    now = (st.st_ino, st.st_mtime_ns, st.st_size)
    if now == stamp:
        return
    fresh = {}
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            oid, typ, value = (line.split(" ", 2) + [""])[:3]
            key = parse(oid)
            if key[: len(root)] == root:
                fresh[key] = (typ, value)
    values, keys, stamp = fresh, sorted(fresh), now


def answer(key):
    typ, value = values[key]
    sys.stdout.write("." + ".".join(map(str, key)) + "\n" + typ + "\n" + value + "\n")


for line in sys.stdin:
    command = line.strip()
    if command == "PING":
        sys.stdout.write("PONG\n")
    elif command in ("get", "getnext"):
        oid = parse(sys.stdin.readline())
        load()
        if command == "get":
            if oid in values:
                answer(oid)
            else:
                sys.stdout.write("NONE\n")
        else:
            i = bisect.bisect_right(keys, oid)
            if i < len(keys):
                answer(keys[i])
            else:
                sys.stdout.write("NONE\n")
    elif command == "set":
        sys.stdin.readline()
        sys.stdin.readline()
        sys.stdout.write("not-writable\n")
    else:
        sys.stdout.write("NONE\n")
    sys.stdout.flush()
