// Where the passwords are in a libpq connection string, so that nothing derived from it
// (libpq's error messages, our own, check-config) shows one. libpq's messages can echo
// fragments of a malformed string: with "postgresql://u:p@ss@db/x" the host becomes
// "ss@db", so exact-match replacement of the password is not enough.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace graced::probes {

class ConninfoSecrets {
 public:
  // `text` is a URL (postgresql://user:password@host/db?password=...) or key=value
  // string; `values` are secret values known otherwise (libpq's parsed password).
  explicit ConninfoSecrets(std::string text, std::vector<std::string> values = {});

  // The text with each password replaced by <redacted>.
  std::string redacted() const;
  // `message` with every password, and every quoted fragment that overlaps a password
  // in the text, replaced by <redacted>.
  std::string scrub(std::string_view message) const;

 private:
  bool overlaps_secret(std::string_view fragment) const;

  std::string text_;
  std::vector<std::pair<std::size_t, std::size_t>> regions_;  // [begin, end) in text_
  std::vector<std::string> values_;                           // longest first
};

}  // namespace graced::probes
