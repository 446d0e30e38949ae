#include "probe_client/grpc_probe.hpp"

#include <optional>

#include "grpc/health_codec.hpp"
#include "grpc/status_code.hpp"
#include "loop/handle.hpp"

namespace graced::probe_client {
namespace {
std::string rpc_timeout_line(const GrpcProbeArgs& args) {
  return "timeout: health rpc did not complete within " + config::format_duration(args.rpc_timeout);
}
}  // namespace

ProbeOutcome judge_grpc_reply(const probes::GrpcReply& reply, const GrpcProbeArgs& args) {
  using Outcome = probes::GrpcReply::Outcome;
  if (reply.outcome == Outcome::connect_failed) {
    return {kConnectFailed,
            "error: failed to connect service at \"" + args.address + "\": " + reply.error};
  }
  if (reply.outcome == Outcome::failed) {
    return {kRpcFailed, "error: health rpc failed: " + reply.error};
  }
  // The server kept the deadline we sent (grpc-timeout) and gave up first.
  if (reply.grpc_status == static_cast<int>(grpc::StatusCode::deadline_exceeded)) {
    return {kRpcFailed, rpc_timeout_line(args)};
  }
  if (reply.grpc_status == static_cast<int>(grpc::StatusCode::unimplemented)) {
    return {kRpcFailed,
            "error: this server does not implement the grpc health protocol "
            "(grpc.health.v1.Health): " +
                reply.grpc_message};
  }
  if (reply.grpc_status != 0) {
    std::string line = "error: health rpc failed: status " +
                       std::string(grpc::status_code_name(reply.grpc_status));
    if (!reply.grpc_message.empty()) line += ": " + reply.grpc_message;
    return {kRpcFailed, line};
  }
  std::string error;
  auto status = grpc::decode_health_check_response(reply.response, error);
  if (!status) return {kRpcFailed, "error: health rpc failed: malformed response: " + error};
  if (*status != static_cast<std::int32_t>(grpc::ServingStatus::serving)) {
    return {kUnhealthy,
            "service unhealthy (responded with \"" + grpc::serving_status_name(*status) + "\")"};
  }
  return {kServing, "status: SERVING"};
}

ProbeOutcome run_grpc_probe(const GrpcProbeArgs& args) {
  uv_loop_t loop;
  uv_loop_init(&loop);
  std::optional<ProbeOutcome> outcome;
  {
    probes::GrpcUnaryClient client(&loop);
    loop::Timer timer(&loop);
    auto decide = [&](ProbeOutcome o) {
      if (outcome) return;
      outcome = std::move(o);
      client.cancel();
      timer.stop();
      uv_stop(&loop);
    };
    timer.start(static_cast<std::uint64_t>(args.connect_timeout.count()), [&] {
      decide({kConnectFailed, "timeout: failed to connect service \"" + args.address +
                                  "\" within " + config::format_duration(args.connect_timeout)});
    });
    probes::GrpcCall call;
    call.host = args.target.host;
    call.port = args.target.port;
    call.authority = args.authority;
    call.path = "/grpc.health.v1.Health/Check";
    call.request = grpc::encode_health_check_request({args.service});
    call.metadata = args.headers;
    call.timeout = args.rpc_timeout;
    client.start(
        std::move(call), [&](probes::GrpcReply reply) { decide(judge_grpc_reply(reply, args)); },
        [&] {
          // Connected: from here on the RPC timeout applies.
          timer.stop();
          timer.start(static_cast<std::uint64_t>(args.rpc_timeout.count()), [&] {
            decide({kRpcFailed, rpc_timeout_line(args)});
          });
        });
    if (!outcome) uv_run(&loop, UV_RUN_DEFAULT);
  }
  // Let the handles closed above run their close callbacks before the loop goes.
  uv_run(&loop, UV_RUN_NOWAIT);
  uv_loop_close(&loop);
  return outcome.value_or(ProbeOutcome{kRpcFailed, "error: the probe ended without an answer"});
}

}  // namespace graced::probe_client
