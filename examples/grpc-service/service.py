#!/usr/bin/env python3
"""A gRPC service (python3-grpcio) for graced's grpc-service example.

It serves, on GRPC_HOST:GRPC_PORT (default 0.0.0.0:50051):
  example.v1.Echo/Echo           a unary call that answers with the request's bytes
  grpc.health.v1.Health/Check    its own health: SERVING for "" and "example.v1.Echo",
                                 NOT_FOUND for other names

SIGUSR1 toggles a maintenance mode in which its health answers NOT_SERVING (graced
forwards the signal: `kill -USR1 <graced's pid>`): graced's grpc check then fails and so
does graced's readiness, while liveness stays up.

No protoc and no generated code: the handlers are generic and take raw bytes. The health
messages are small enough to encode by hand (HealthCheckRequest { string service = 1; },
HealthCheckResponse { ServingStatus status = 1; }).

On SIGTERM (graced sends it after its drain window, readiness having failed since the
shutdown started) it stops accepting calls, lets the calls in flight finish (up to
STOP_GRACE_SECONDS, default 10) and exits 0.
"""
import os
import signal
import sys
import threading
from concurrent import futures

import grpc

HOST = os.environ.get("GRPC_HOST", "0.0.0.0")
PORT = int(os.environ.get("GRPC_PORT", "50051"))
STOP_GRACE_SECONDS = float(os.environ.get("STOP_GRACE_SECONDS", "10"))
SERVICES = ("", "example.v1.Echo")
SERVING, NOT_SERVING = 1, 2

stop_requested = threading.Event()
maintenance = threading.Event()


def log(message):
    sys.stderr.write(f"grpc-service: {message}\n")
    sys.stderr.flush()


def read_varint(data, i):
    shift = value = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return value, i
        shift += 7


def requested_service(request):
    """The `service` field of a HealthCheckRequest; unknown fields are skipped."""
    i, service = 0, ""
    while i < len(request):
        tag, i = read_varint(request, i)
        field, wire_type = tag >> 3, tag & 7
        if wire_type == 0:
            _, i = read_varint(request, i)
        elif wire_type == 1:
            i += 8
        elif wire_type == 2:
            length, i = read_varint(request, i)
            if field == 1:
                service = request[i:i + length].decode("utf-8")
            i += length
        elif wire_type == 5:
            i += 4
        else:
            raise ValueError(f"unsupported wire type {wire_type}")
    return service


def health_check(request, context):
    try:
        service = requested_service(request)
    except (ValueError, IndexError, UnicodeDecodeError) as e:
        context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"malformed HealthCheckRequest: {e}")
    if service not in SERVICES:
        context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {service}")
    status = NOT_SERVING if maintenance.is_set() else SERVING
    return bytes([0x08, status])  # field 1 (status), varint


def echo(request, context):
    return request


def main():
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=8))
    server.add_generic_rpc_handlers((
        grpc.method_handlers_generic_handler(
            "grpc.health.v1.Health", {"Check": grpc.unary_unary_rpc_method_handler(health_check)}),
        grpc.method_handlers_generic_handler(
            "example.v1.Echo", {"Echo": grpc.unary_unary_rpc_method_handler(echo)}),
    ))
    address = f"{HOST}:{PORT}"
    if server.add_insecure_port(address) == 0:
        log(f"cannot listen on {address}")
        return 1
    server.start()
    log(f"listening on {address}")

    def on_signal(signo, _frame):
        log(f"got {signal.Signals(signo).name}: finishing the calls in flight")
        stop_requested.set()

    def on_usr1(_signo, _frame):
        if maintenance.is_set():
            maintenance.clear()
            log("maintenance off: SERVING")
        else:
            maintenance.set()
            log("maintenance on: NOT_SERVING")

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGUSR1, on_usr1)
    # Short waits: signal handlers run on this thread between them.
    while not stop_requested.wait(0.2):
        pass
    server.stop(STOP_GRACE_SECONDS).wait()
    log("stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
