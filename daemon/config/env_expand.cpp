#include "config/env_expand.hpp"

#include <cstdlib>

namespace graced::config {

EnvLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (!v) return std::nullopt;
    return std::string(v);
  };
}

namespace {
bool valid_name(std::string_view name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}
}  // namespace

std::variant<std::string, ExpandError> expand_env(std::string_view text, const EnvLookup& lookup) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '$' || i + 1 >= text.size()) {
      out += c;
      continue;
    }
    char next = text[i + 1];
    if (next == '$') {
      out += '$';
      ++i;
      continue;
    }
    if (next != '{') {
      out += c;
      continue;
    }
    size_t close = text.find('}', i + 2);
    if (close == std::string_view::npos) {
      return ExpandError{"unterminated \"${\" (write \"$$\" for a literal \"$\")"};
    }
    std::string_view inner = text.substr(i + 2, close - i - 2);
    std::string_view name = inner;
    std::optional<std::string_view> fallback;
    if (auto sep = inner.find(":-"); sep != std::string_view::npos) {
      name = inner.substr(0, sep);
      fallback = inner.substr(sep + 2);
    }
    if (!valid_name(name)) {
      return ExpandError{"\"${" + std::string(inner) +
                         "}\" is not a valid variable reference (use ${NAME} or "
                         "${NAME:-default}; \"$$\" is a literal \"$\")"};
    }
    auto value = lookup(std::string(name));
    // Like the shell's ":-", an empty value also takes the default.
    if (value && !(fallback && value->empty())) {
      out += *value;
    } else if (fallback) {
      out += *fallback;
    } else {
      return ExpandError{"environment variable " + std::string(name) + " is not set (use ${" +
                         std::string(name) + ":-default} for a default)"};
    }
    i = close;
  }
  return out;
}

}  // namespace graced::config
