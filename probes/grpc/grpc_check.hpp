// type = "grpc": calls grpc.health.v1.Health/Check on a gRPC server over h2c and passes
// when it answers SERVING.
#pragma once

#include <memory>
#include <string>

#include "probes/check.hpp"
#include "probes/common/address.hpp"
#include "probes/grpc/h2_client.hpp"

namespace graced::probes {

struct GrpcSettings : CheckSettings {
  std::string address;  // as written: "users:50051"
  HostPort target;
  std::string service;    // "" asks for the server's overall health
  std::string authority;  // "" sends the address
  void emit(config::Emitter::Table& table) const override;
};

// What a health Check answer means for the check: SERVING passes; anything else fails
// with a short reason ("NOT_SERVING", "status UNIMPLEMENTED: unknown service").
CheckResult judge_health_reply(const GrpcReply& reply);

class GrpcCheck : public Check {
 public:
  GrpcCheck(std::shared_ptr<const GrpcSettings> settings, const CheckContext& context)
      : settings_(std::move(settings)), timeout_(context.timeout), client_(context.loop) {}
  void start(Done done) override;
  void cancel() override { client_.cancel(); }

 private:
  std::shared_ptr<const GrpcSettings> settings_;
  config::Duration timeout_;
  GrpcUnaryClient client_;
};

class GrpcCheckKind : public CheckKind {
 public:
  std::string_view type() const override { return "grpc"; }
  const config::SectionSpec& spec() const override;
  bool is_dependency() const override { return true; }
  std::shared_ptr<const CheckSettings> parse(config::Section& section) const override;
  std::unique_ptr<Check> create(std::shared_ptr<const CheckSettings> settings,
                                const CheckContext& context) const override;
};

}  // namespace graced::probes
