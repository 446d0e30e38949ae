// Fuzz target: the hand-written protobuf decoding of the grpc.health.v1 messages, the
// length-prefixed message framing and the gRPC header values. Whatever the bytes, nothing
// crashes, and whatever decodes re-encodes to something that decodes the same.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_seeds.hpp"
#include "grpc/grpc_metadata.hpp"
#include "grpc/health_codec.hpp"
#include "grpc/message_framing.hpp"

namespace {
void require(bool ok) {
  if (!ok) std::abort();
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace graced::grpc;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string error;

  if (auto req = decode_health_check_request(in, error)) {
    auto again = decode_health_check_request(encode_health_check_request(*req), error);
    require(again && again->service == req->service);
  }
  if (auto status = decode_health_check_response(in, error)) {
    auto again = decode_health_check_response(
        encode_health_check_response(static_cast<ServingStatus>(*status)), error);
    require(again && *again == *status);
  }
  if (auto list = decode_health_list_response(in, error)) {
    std::vector<std::pair<std::string, ServingStatus>> statuses;
    for (const auto& [name, status] : *list)
      statuses.emplace_back(name, static_cast<ServingStatus>(status));
    auto again = decode_health_list_response(encode_health_list_response(statuses), error);
    require(again && *again == *list);
  }
  decode_health_list_request(in, error);

  const Deframed framed = deframe(in, 4096);
  for (auto m : framed.messages)
    require(m.size() <= 4096);

  parse_grpc_timeout(in);
  require(percent_decode_message(percent_encode_message(in)) == in);
  classify_content_type(in);
  return 0;
}

std::vector<std::string> graced::fuzz::seeds() {
  using namespace graced::grpc;
  const std::string request = encode_health_check_request({"user.v1.UserService"});
  return {
      request,
      encode_health_check_request({""}),
      encode_health_check_response(ServingStatus::serving),
      encode_health_check_response(ServingStatus::service_unknown),
      encode_health_list_response({{"", ServingStatus::serving},
                                   {"db", ServingStatus::not_serving},
                                   {"readiness", ServingStatus::serving}}),
      frame_message(request),
      frame_message(request) + frame_message(""),
      "100m",
      "1S",
      "application/grpc+proto",
      "unknown service %20nope%",
  };
}
