#include "config/redact.hpp"

#include <algorithm>
#include <array>
#include <cctype>

namespace graced::config {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// Splits a key into words at '_', '-', '.' and camelCase boundaries.
bool has_word(std::string_view key, std::string_view word) {
  std::string k = lower(key);
  size_t pos = 0;
  while ((pos = k.find(word, pos)) != std::string::npos) {
    size_t end = pos + word.size();
    bool start_ok = pos == 0 || !std::isalnum(static_cast<unsigned char>(k[pos - 1])) ||
                    std::isupper(static_cast<unsigned char>(key[pos]));
    bool end_ok = end == k.size() || !std::isalpha(static_cast<unsigned char>(k[end])) ||
                  std::isupper(static_cast<unsigned char>(key[end]));
    if (start_ok && end_ok) return true;
    pos = end;
  }
  return false;
}

}  // namespace

bool is_secret_key(std::string_view key) {
  // Also the run-together spellings of "api key" and friends ("apikey=" in URLs).
  static constexpr std::array<std::string_view, 8> kAnywhere = {
      "password", "passwd", "secret", "token", "passphrase", "apikey", "accesskey", "privatekey"};
  std::string k = lower(key);
  for (auto w : kAnywhere) {
    if (k.find(w) != std::string::npos) return true;
  }
  static constexpr std::array<std::string_view, 6> kWords = {
      "key", "pass", "pwd", "credentials", "authorization", "cookie"};
  for (auto w : kWords) {
    if (has_word(key, w)) return true;
  }
  return false;
}

std::string redact_value(std::string_view value) {
  std::string out(value);
  // URL userinfo: scheme://user:password@host
  size_t scheme = out.find("://");
  if (scheme != std::string::npos) {
    size_t auth_start = scheme + 3;
    size_t auth_end = out.find_first_of("/?#", auth_start);
    if (auth_end == std::string::npos) auth_end = out.size();
    size_t at = out.rfind('@', auth_end);
    if (at != std::string::npos && at >= auth_start) {
      size_t colon = out.find(':', auth_start);
      if (colon != std::string::npos && colon < at) {
        out.replace(colon + 1, at - colon - 1, kRedacted);
      }
    }
  }
  // Query parameters and libpq key=value pairs named like secrets. libpq allows spaces
  // around '=' and single-quoted values with backslash escapes ('p w', 'it\'s').
  std::string result;
  size_t i = 0;
  while (i < out.size()) {
    size_t eq = out.find('=', i);
    if (eq == std::string::npos) break;
    size_t key_end = eq;
    while (key_end > i && out[key_end - 1] == ' ')
      --key_end;
    size_t key_start = key_end;
    while (key_start > 0 && (std::isalnum(static_cast<unsigned char>(out[key_start - 1])) ||
                             out[key_start - 1] == '_' || out[key_start - 1] == '-'))
      --key_start;
    std::string_view k(out.data() + key_start, key_end - key_start);
    size_t val_start = eq + 1;
    while (val_start < out.size() && out[val_start] == ' ')
      ++val_start;
    size_t val_end = out.size();
    if (val_start < out.size() && out[val_start] == '\'') {
      for (size_t j = val_start + 1; j < out.size(); ++j) {
        if (out[j] == '\\') {
          ++j;
        } else if (out[j] == '\'') {
          val_end = j + 1;
          break;
        }
      }
    } else {
      val_end = std::min(out.find_first_of(" &;#", val_start), out.size());
    }
    if (!k.empty() && is_secret_key(k) && val_end > val_start) {
      result.append(out, i, val_start - i);
      result += kRedacted;
    } else {
      result.append(out, i, val_end - i);
    }
    i = val_end;
  }
  result.append(out, std::min(i, out.size()), std::string::npos);
  return result;
}

std::string redact_for_key(std::string_view key, std::string_view value) {
  if (is_secret_key(key) && !value.empty()) return std::string(kRedacted);
  return redact_value(value);
}

}  // namespace graced::config
