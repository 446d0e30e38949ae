#include "probes/grpc/grpc_check.hpp"

#include "grpc/health_codec.hpp"
#include "grpc/status_code.hpp"

namespace graced::probes {

void GrpcSettings::emit(config::Emitter::Table& table) const {
  table.set("address", address);
  table.set("service", service);
  if (!authority.empty()) table.set("authority", authority);
}

CheckResult judge_health_reply(const GrpcReply& reply) {
  if (reply.outcome != GrpcReply::Outcome::answered) return CheckResult::fail(reply.error);
  if (reply.grpc_status != 0) {
    std::string why = "status " + std::string(grpc::status_code_name(reply.grpc_status));
    if (!reply.grpc_message.empty()) why += ": " + reply.grpc_message;
    return CheckResult::fail(std::move(why));
  }
  std::string error;
  auto status = grpc::decode_health_check_response(reply.response, error);
  if (!status) return CheckResult::fail("malformed HealthCheckResponse: " + error);
  if (*status != static_cast<std::int32_t>(grpc::ServingStatus::serving)) {
    return CheckResult::fail(grpc::serving_status_name(*status));
  }
  return CheckResult::pass();
}

void GrpcCheck::start(Done done) {
  GrpcCall call;
  call.host = settings_->target.host;
  call.port = settings_->target.port;
  call.authority = settings_->authority;
  call.path = "/grpc.health.v1.Health/Check";
  call.request = grpc::encode_health_check_request({settings_->service});
  call.timeout = timeout_;
  client_.start(std::move(call),
                [done = std::move(done)](GrpcReply reply) { done(judge_health_reply(reply)); });
}

const config::SectionSpec& GrpcCheckKind::spec() const {
  static const auto& spec = config::register_section({
      "checks.grpc",
      "type = \"grpc\": calls grpc.health.v1.Health/Check over HTTP/2 cleartext (h2c); "
      "passes when the answer is SERVING.",
      {
          {"address", "string", "",
           "host:port of the gRPC server; IPv6 in brackets (\"[::1]:50051\"). Names are "
           "resolved on every attempt and each address is tried in turn."},
          {"service", "string", "\"\"",
           "The service name to ask about; \"\" asks for the server's overall health."},
          {"authority", "string", "address",
           "The :authority sent (the virtual host), when the server routes on it."},
      },
  });
  return spec;
}

std::shared_ptr<const CheckSettings> GrpcCheckKind::parse(config::Section& section) const {
  auto address = section.string("address");
  if (!address) {
    if (!section.has("address")) {
      section.error("address", "a grpc check needs an address (host:port)");
    }
    return nullptr;
  }
  std::string error;
  auto target = parse_host_port(*address, error);
  if (!target) {
    section.error("address", error);
    return nullptr;
  }
  auto settings = std::make_shared<GrpcSettings>();
  settings->address = *address;
  settings->target = std::move(*target);
  if (auto v = section.string("service")) settings->service = *v;
  if (auto v = section.string("authority")) {
    if (v->find_first_of(" \t\r\n/") != std::string::npos) {
      section.error("authority", "\"" + *v + "\" is not a host[:port]");
      return nullptr;
    }
    settings->authority = *v;
  }
  return settings;
}

std::unique_ptr<Check> GrpcCheckKind::create(std::shared_ptr<const CheckSettings> settings,
                                             const CheckContext& context) const {
  return std::make_unique<GrpcCheck>(std::static_pointer_cast<const GrpcSettings>(settings),
                                     context);
}

namespace {
[[maybe_unused]] const auto& kGrpcSpec = GrpcCheckKind{}.spec();
}
GRACED_REGISTER_CHECK_KIND(GrpcCheckKind)

}  // namespace graced::probes
