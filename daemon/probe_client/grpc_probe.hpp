// `graced probe grpc`: one grpc.health.v1.Health/Check on a loop of its own.
#pragma once

#include "probe_client/probe_args.hpp"
#include "probe_client/probe_outcome.hpp"
#include "probes/grpc/h2_client.hpp"

namespace graced::probe_client {

ProbeOutcome run_grpc_probe(const GrpcProbeArgs& args);

// The outcome of an answered (or failed) call, as grpc_health_probe words it.
ProbeOutcome judge_grpc_reply(const probes::GrpcReply& reply, const GrpcProbeArgs& args);

}  // namespace graced::probe_client
