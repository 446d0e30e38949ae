#include "config/toml_text.hpp"

namespace graced::config {
namespace {

bool is_control(unsigned char u) {
  return u < 0x20 || u == 0x7f;
}

}  // namespace

std::string toml_basic_string(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (is_control(u)) {
      out += "\\u00";
      out += kHex[u >> 4];
      out += kHex[u & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string toml_string(std::string_view s) {
  for (char c : s) {
    if (c == '\'' || (c != '\t' && is_control(static_cast<unsigned char>(c))))
      return toml_basic_string(s);
  }
  std::string out = "'";
  out += s;
  return out + "'";
}

std::string toml_key(std::string_view k) {
  auto bare = [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  };
  bool all_bare = !k.empty();
  for (char c : k)
    all_bare = all_bare && bare(c);
  return all_bare ? std::string(k) : toml_string(k);
}

}  // namespace graced::config
