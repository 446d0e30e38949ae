// expect_status: which HTTP status codes count as healthy ("200-399", "200,204",
// "200-299,404").
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::probes {

class StatusRanges {
 public:
  // On failure returns nullopt and sets `error` ("\"2xx\" is not a status code or range").
  static std::optional<StatusRanges> parse(std::string_view text, std::string& error);

  bool contains(int status) const;
  // Normalised, as messages and check-config show it: "200-299,404".
  std::string str() const;

 private:
  std::vector<std::pair<int, int>> ranges_;
};

}  // namespace graced::probes
