// The python3-grpcio peers of the gRPC tests (scripts beside this file):
//   GrpcHealthPeer    a real gRPC server answering grpc.health.v1.Health/Check with a
//                     status the test flips (grpc_health_server.py)
//   GrpcPythonClient  a real gRPC client calling Check, List, Watch or any method on
//                     graced's server and printing one line per result
//                     (grpc_health_client.py)
// Both run as separate processes, stopped by pid; nothing is left behind.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/temp_dir.hpp"
#include "peers/peer_process.hpp"

namespace graced::test {

inline constexpr const char* kSystemPython = "/usr/bin/python3";  // Debian's, with grpcio

class GrpcHealthPeer {
 public:
  // `state`: SERVING, NOT_SERVING, UNKNOWN, SERVICE_UNKNOWN, UNIMPLEMENTED, NOT_FOUND or
  // HANG (see the script). `with_health` false: no handler registered at all. Waits until
  // it listens; throws std::runtime_error (with its log) when it does not within 20s.
  explicit GrpcHealthPeer(const std::string& state = "SERVING", bool with_health = true);
  GrpcHealthPeer(const GrpcHealthPeer&) = delete;
  GrpcHealthPeer& operator=(const GrpcHealthPeer&) = delete;

  void set_state(const std::string& state);
  std::uint16_t port() const { return port_; }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  // One JSON line per call received: {"service": ..., "metadata": {...}}.
  std::vector<std::string> requests() const;
  void stop() { process_.kill(); }

 private:
  TempDir dir_;
  PeerProcess process_;
  std::uint16_t port_ = 0;
};

class GrpcPythonClient {
 public:
  // Starts the client on `address` with `commands` ("check:readiness", "watch:", ...).
  GrpcPythonClient(const std::string& address, const std::vector<std::string>& commands);
  GrpcPythonClient(const GrpcPythonClient&) = delete;
  GrpcPythonClient& operator=(const GrpcPythonClient&) = delete;

  // The result lines so far (grpcio's own messages on stderr left out).
  std::vector<std::string> results() const;
  // The first `count` result lines once there are that many; nullopt at the timeout.
  std::optional<std::vector<std::string>> wait_for_results(std::size_t count,
                                                           std::chrono::milliseconds timeout);
  std::optional<int> wait(std::chrono::milliseconds timeout) { return process_.wait(timeout); }
  bool running() { return process_.running(); }
  std::string log() const;

 private:
  TempDir dir_;
  std::string log_path_;
  PeerProcess process_;
};

// Runs the client to completion and returns its result lines; throws std::runtime_error
// (with its log) when it has not finished within `timeout` or failed.
std::vector<std::string> run_grpc_client(
    const std::string& address, const std::vector<std::string>& commands,
    std::chrono::milliseconds timeout = std::chrono::seconds(30));

}  // namespace graced::test
