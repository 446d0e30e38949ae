#include "probes/exec/captured_output.hpp"

#include <algorithm>
#include <string_view>

namespace graced::probes {
namespace {

// Length of `s` without a trailing, incomplete UTF-8 sequence.
std::size_t complete_utf8_prefix(std::string_view s) {
  const std::size_t n = s.size();
  // A character is at most 4 bytes: look back at most 3 continuation bytes for its lead.
  for (std::size_t back = 1; back <= 4 && back <= n; ++back) {
    const auto c = static_cast<unsigned char>(s[n - back]);
    if ((c & 0xC0) == 0x80) continue;  // continuation byte
    std::size_t want = 1;
    if ((c & 0xE0) == 0xC0) {
      want = 2;
    } else if ((c & 0xF0) == 0xE0) {
      want = 3;
    } else if ((c & 0xF8) == 0xF0) {
      want = 4;
    }
    return back < want ? n - back : n;
  }
  return n;  // not UTF-8 at the end: leave it as it is
}

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

}  // namespace

void CapturedOutput::append(const char* data, std::size_t size) {
  total_ += size;
  if (stored_.size() < limit_) stored_.append(data, std::min(size, limit_ - stored_.size()));
}

std::string CapturedOutput::text() const {
  std::string_view s = stored_;
  if (truncated()) s = s.substr(0, complete_utf8_prefix(s));
  while (!s.empty() && is_space(s.front()))
    s.remove_prefix(1);
  while (!s.empty() && is_space(s.back()))
    s.remove_suffix(1);
  return std::string(s);
}

}  // namespace graced::probes
