// Reads an HTTP response only as far as needed to judge it: the status line, and the body
// only while the expected substring has not been seen (at most kBodyLimit bytes of it).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "probes/check.hpp"
#include "probes/http/status_ranges.hpp"

namespace graced::probes {

class ResponseJudge {
 public:
  static constexpr std::size_t kBodyLimit = 64 * 1024;
  static constexpr std::size_t kHeadLimit = 64 * 1024;

  // `expect_body` empty: the status alone decides.
  ResponseJudge(StatusRanges expect_status, std::string expect_body);
  ~ResponseJudge();
  ResponseJudge(const ResponseJudge&) = delete;
  ResponseJudge& operator=(const ResponseJudge&) = delete;

  // Bytes of the response as they arrive; the verdict as soon as it is known.
  std::optional<CheckResult> feed(std::string_view bytes);
  // The connection ended (`error` empty for a clean close): the verdict it leaves.
  CheckResult end(const std::string& error);

 private:
  struct Parser;
  std::unique_ptr<Parser> parser_;
};

}  // namespace graced::probes
