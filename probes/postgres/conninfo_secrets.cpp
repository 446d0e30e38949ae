#include "probes/postgres/conninfo_secrets.hpp"

#include <algorithm>
#include <cctype>

#include "config/redact.hpp"

namespace graced::probes {
namespace {

bool is_space(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0;
}

bool is_url(std::string_view text) {
  return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

// Does a `keyword =` pair start at `i`? Ends an unquoted value that ran on past a space.
bool keyword_starts_at(std::string_view text, std::size_t i) {
  std::size_t j = i;
  while (j < text.size() && (std::isalpha(static_cast<unsigned char>(text[j])) || text[j] == '_'))
    ++j;
  if (j == i) return false;
  while (j < text.size() && is_space(text[j]))
    ++j;
  return j < text.size() && text[j] == '=';
}

void url_regions(std::string_view text, std::vector<std::pair<std::size_t, std::size_t>>& out) {
  const std::size_t after = text.find("://") + 3;
  std::size_t query = text.find('?', after);
  if (query == std::string_view::npos) query = text.size();
  // The last '@' and the first ':' before it: the widest span libpq could take as the
  // password, whichever way it splits a malformed URL.
  const std::string_view authority = text.substr(after, query - after);
  const std::size_t at = authority.rfind('@');
  const std::size_t colon = authority.find(':');
  if (at != std::string_view::npos && colon != std::string_view::npos && colon < at) {
    out.emplace_back(after + colon + 1, after + at);
  }
  std::size_t i = query + 1;
  while (i < text.size()) {
    std::size_t end = text.find('&', i);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view param = text.substr(i, end - i);
    const std::size_t eq = param.find('=');
    if (eq != std::string_view::npos && eq + 1 < param.size() &&
        config::is_secret_key(param.substr(0, eq))) {
      out.emplace_back(i + eq + 1, end);
    }
    i = end + 1;
  }
}

void keyword_value_regions(std::string_view text,
                           std::vector<std::pair<std::size_t, std::size_t>>& out) {
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    while (i < n && is_space(text[i]))
      ++i;
    const std::size_t key_start = i;
    while (i < n && text[i] != '=' && !is_space(text[i]))
      ++i;
    const std::string_view key = text.substr(key_start, i - key_start);
    while (i < n && is_space(text[i]))
      ++i;
    if (i >= n || text[i] != '=') continue;
    ++i;
    while (i < n && is_space(text[i]))
      ++i;
    const std::size_t value_start = i;
    if (i < n && text[i] == '\'') {
      for (++i; i < n; ++i) {
        if (text[i] == '\\' && i + 1 < n) {
          ++i;
        } else if (text[i] == '\'') {
          ++i;
          break;
        }
      }
    } else {
      while (i < n && !is_space(text[i]))
        i += (text[i] == '\\' && i + 1 < n) ? std::size_t{2} : std::size_t{1};
      if (config::is_secret_key(key)) {
        // An unquoted password with a space in it runs on to the next keyword: libpq
        // would report its tail as a bad keyword.
        std::size_t j = i;
        for (;;) {
          while (j < n && is_space(text[j]))
            ++j;
          if (j >= n || keyword_starts_at(text, j)) break;
          while (j < n && !is_space(text[j]))
            ++j;
          i = j;
        }
      }
    }
    if (config::is_secret_key(key) && i > value_start) out.emplace_back(value_start, i);
  }
}

void replace_all(std::string& s, std::string_view needle, std::string_view with) {
  if (needle.empty()) return;
  for (std::size_t pos = s.find(needle); pos != std::string::npos;
       pos = s.find(needle, pos + with.size())) {
    s.replace(pos, needle.size(), with);
  }
}

}  // namespace

ConninfoSecrets::ConninfoSecrets(std::string text, std::vector<std::string> values)
    : text_(std::move(text)) {
  if (is_url(text_)) {
    url_regions(text_, regions_);
  } else {
    keyword_value_regions(text_, regions_);
  }
  for (const auto& [begin, end] : regions_)
    values.push_back(text_.substr(begin, end - begin));
  // Exact replacement of one- or two-character values would garble every message while
  // hiding nothing; those are still caught inside quoted fragments.
  for (auto& v : values) {
    if (v.size() >= 3 && v != config::kRedacted) values_.push_back(std::move(v));
  }
  std::sort(values_.begin(), values_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string ConninfoSecrets::redacted() const {
  std::string out = text_;
  auto regions = regions_;
  std::sort(regions.begin(), regions.end(), [](auto& a, auto& b) { return a.first > b.first; });
  for (const auto& [begin, end] : regions)
    out.replace(begin, end - begin, config::kRedacted);
  return out;
}

bool ConninfoSecrets::overlaps_secret(std::string_view fragment) const {
  if (fragment.empty() || fragment == config::kRedacted) return false;
  for (std::size_t pos = text_.find(fragment); pos != std::string::npos;
       pos = text_.find(fragment, pos + 1)) {
    for (const auto& [begin, end] : regions_) {
      if (pos < end && begin < pos + fragment.size()) return true;
    }
  }
  return false;
}

std::string ConninfoSecrets::scrub(std::string_view message) const {
  std::string text(message);
  for (const auto& v : values_)
    replace_all(text, v, config::kRedacted);
  std::string out;
  std::size_t pos = 0;
  for (;;) {
    const std::size_t open = text.find('"', pos);
    const std::size_t close = open == std::string::npos ? open : text.find('"', open + 1);
    if (close == std::string::npos) break;
    out.append(text, pos, open + 1 - pos);
    const std::string_view fragment(text.data() + open + 1, close - open - 1);
    if (overlaps_secret(fragment)) {
      out += config::kRedacted;
    } else {
      out += fragment;
    }
    out += '"';
    pos = close + 1;
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace graced::probes
