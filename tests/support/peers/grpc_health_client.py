#!/usr/bin/env python3
"""A real gRPC client (python3-grpcio) for the tests of graced's gRPC health server.
Runs the commands given, in order, and prints one line per result (flushed at once, so a
test can follow a Watch as it happens):

  check:NAME        Check          -> check "NAME": SERVING | check "NAME": error NOT_FOUND: ...
  list              List           -> list: NAME=STATUS NAME=STATUS ... (sorted by name)
  unary:PATH        an empty request to any method -> unary PATH: ok | error CODE: ...
  watch:NAME        Watch          -> watch "NAME": STATUS per message, then
                                      watch "NAME": end CODE[: details]
  deadline:SECONDS  the deadline for the calls that follow ("none" for none)

Usage: grpc_health_client.py HOST:PORT COMMAND...
"""
import sys

import grpc

NAMES = {0: "UNKNOWN", 1: "SERVING", 2: "NOT_SERVING", 3: "SERVICE_UNKNOWN"}


def varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def fields(data):
    """(field, wire type, value) of a protobuf message; value is an int or bytes."""
    i = 0
    while i < len(data):
        tag, i = varint(data, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            value, i = varint(data, i)
        elif wire == 2:
            n, i = varint(data, i)
            value, i = data[i:i + n], i + n
        elif wire == 1:
            value, i = data[i:i + 8], i + 8
        elif wire == 5:
            value, i = data[i:i + 4], i + 4
        else:
            raise ValueError("unsupported wire type %d" % wire)
        yield field, wire, value


def request(service):
    data = service.encode("utf-8")
    if not data:
        return b""
    n, length = len(data), b""
    while n >= 0x80:
        length += bytes([(n & 0x7F) | 0x80])
        n >>= 7
    return b"\x0a" + length + bytes([n]) + data


def status_of(response):
    status = 0
    for field, wire, value in fields(response):
        if field == 1 and wire == 0:
            status = value
    return NAMES.get(status, str(status))


def statuses_of(list_response):
    out = {}
    for field, wire, entry in fields(list_response):
        if field != 1 or wire != 2:
            continue
        key, status = "", "UNKNOWN"
        for f, w, v in fields(entry):
            if f == 1 and w == 2:
                key = v.decode("utf-8")
            if f == 2 and w == 2:
                status = status_of(v)
        out[key] = status
    return out


def error(e):
    details = e.details()
    return "error %s%s" % (e.code().name, (": " + details) if details else "")


def main():
    channel = grpc.insecure_channel(sys.argv[1], options=[("grpc.enable_http_proxy", 0)])
    deadline = None
    for command in sys.argv[2:]:
        verb, _, arg = command.partition(":")
        if verb == "deadline":
            deadline = None if arg == "none" else float(arg)
        elif verb == "check":
            call = channel.unary_unary("/grpc.health.v1.Health/Check")
            try:
                print('check "%s": %s' % (arg, status_of(call(request(arg), timeout=deadline))), flush=True)
            except grpc.RpcError as e:
                print('check "%s": %s' % (arg, error(e)), flush=True)
        elif verb == "list":
            call = channel.unary_unary("/grpc.health.v1.Health/List")
            try:
                statuses = statuses_of(call(b"", timeout=deadline))
                print("list: " + " ".join("%s=%s" % (k, statuses[k]) for k in sorted(statuses)), flush=True)
            except grpc.RpcError as e:
                print("list: " + error(e), flush=True)
        elif verb == "unary":
            call = channel.unary_unary(arg)
            try:
                call(b"", timeout=deadline)
                print("unary %s: ok" % arg, flush=True)
            except grpc.RpcError as e:
                print("unary %s: %s" % (arg, error(e)), flush=True)
        elif verb == "watch":
            call = channel.unary_stream("/grpc.health.v1.Health/Watch")
            try:
                for message in call(request(arg), timeout=deadline):
                    print('watch "%s": %s' % (arg, status_of(message)), flush=True)
                print('watch "%s": end OK' % arg, flush=True)
            except grpc.RpcError as e:
                print('watch "%s": end %s' % (arg, error(e)[len("error "):]), flush=True)
        else:
            print("unknown command " + command, flush=True)
            return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
