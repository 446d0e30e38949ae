#!/usr/bin/env python3
"""A real gRPC server (python3-grpcio) serving grpc.health.v1.Health/Check, for the grpc
check's tests and `graced probe grpc`'s. The test flips what it answers by writing
DIR/state, read on every call:

  SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN   answered with that status
  UNIMPLEMENTED                                    the call fails with UNIMPLEMENTED
  NOT_FOUND                                        the call fails with NOT_FOUND
  HANG                                             never answered (until the client gives up)

With --no-health no handler is registered at all, so grpc itself answers UNIMPLEMENTED.
Every call appends a line to DIR/requests: the service asked for and the metadata.
The port (127.0.0.1, picked by the kernel) is written to DIR/port once it listens.
"""
import json
import os
import sys
import time
from concurrent import futures

import grpc

STATUSES = {"UNKNOWN": 0, "SERVING": 1, "NOT_SERVING": 2, "SERVICE_UNKNOWN": 3}


def read_varint(data, i):
    shift = result = 0
    while True:
        b = data[i]
        i += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, i
        shift += 7


def service_of(request):
    """HealthCheckRequest { string service = 1; }, unknown fields skipped."""
    i, service = 0, ""
    while i < len(request):
        tag, i = read_varint(request, i)
        field, wire = tag >> 3, tag & 7
        if wire == 0:
            _, i = read_varint(request, i)
        elif wire == 2:
            n, i = read_varint(request, i)
            if field == 1:
                service = request[i:i + n].decode("utf-8")
            i += n
        elif wire == 1:
            i += 8
        elif wire == 5:
            i += 4
        else:
            raise ValueError("unsupported wire type")
    return service


def response(status):
    return b"" if status == 0 else bytes([0x08, status])


def main():
    directory = sys.argv[1]
    with_health = "--no-health" not in sys.argv[2:]

    def check(request, context):
        service = service_of(request)
        metadata = {k: v for k, v in context.invocation_metadata()}
        with open(os.path.join(directory, "requests"), "a") as f:
            f.write(json.dumps({"service": service, "metadata": metadata}) + "\n")
        with open(os.path.join(directory, "state")) as f:
            state = f.read().strip()
        if state == "UNIMPLEMENTED":
            context.abort(grpc.StatusCode.UNIMPLEMENTED, "health checking is switched off")
        if state == "NOT_FOUND":
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service " + service)
        if state == "HANG":
            while context.is_active():
                time.sleep(0.02)
            return b""
        return response(STATUSES[state])

    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    if with_health:
        server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
            "grpc.health.v1.Health",
            {"Check": grpc.unary_unary_rpc_method_handler(check)}),))
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    with open(os.path.join(directory, "port.tmp"), "w") as f:
        f.write(str(port))
    os.rename(os.path.join(directory, "port.tmp"), os.path.join(directory, "port"))
    print("listening on", port, flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
