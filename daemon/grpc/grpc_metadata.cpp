#include "grpc/grpc_metadata.hpp"

#include <algorithm>
#include <cstdint>

namespace graced::grpc {

std::optional<std::chrono::milliseconds> parse_grpc_timeout(std::string_view text) {
  if (text.size() < 2 || text.size() > 9) return std::nullopt;
  std::int64_t v = 0;  // at most 8 digits: no unit below can overflow
  for (char c : text.substr(0, text.size() - 1)) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  using ms = std::chrono::milliseconds;
  switch (text.back()) {
    case 'H':
      return ms(v * 3'600'000);
    case 'M':
      return ms(v * 60'000);
    case 'S':
      return ms(v * 1000);
    case 'm':
      return ms(v);
    case 'u':
      return ms((v + 999) / 1000);
    case 'n':
      return ms((v + 999'999) / 1'000'000);
    default:
      return std::nullopt;
  }
}

std::string format_grpc_timeout(std::chrono::milliseconds timeout) {
  constexpr std::int64_t kMax = 99'999'999;
  std::int64_t ms = timeout.count() < 0 ? 0 : timeout.count();
  if (ms <= kMax) return std::to_string(ms) + "m";
  const std::int64_t s = (ms + 999) / 1000;
  if (s <= kMax) return std::to_string(s) + "S";
  const std::int64_t m = (s + 59) / 60;
  if (m <= kMax) return std::to_string(m) + "M";
  return std::to_string(std::min<std::int64_t>((m + 59) / 60, kMax)) + "H";
}

std::string percent_encode_message(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c <= 0x7e && c != '%') {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 0xf]);
    }
  }
  return out;
}

namespace {
int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool iequals_prefix(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char a = text[i];
    if (a >= 'A' && a <= 'Z') a = static_cast<char>(a - 'A' + 'a');
    if (a != prefix[i]) return false;
  }
  return true;
}
}  // namespace

std::string percent_decode_message(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(text[i]);
  }
  return out;
}

ContentType classify_content_type(std::string_view value) {
  constexpr std::string_view kGrpc = "application/grpc";
  if (!iequals_prefix(value, kGrpc)) return ContentType::not_grpc;
  std::string_view rest = value.substr(kGrpc.size());
  if (rest.empty() || rest[0] == ';') return ContentType::grpc;
  if (rest[0] != '+') return ContentType::not_grpc;  // "application/grpcfoo"
  rest.remove_prefix(1);
  const auto end = rest.find(';');
  if (iequals_prefix(rest.substr(0, end), "proto") && rest.substr(0, end).size() == 5) {
    return ContentType::grpc;
  }
  return ContentType::unsupported;
}

}  // namespace graced::grpc
