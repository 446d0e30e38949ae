// Builds the effective configuration as TOML for `graced check-config`. Secrets are
// redacted here, where values become text for humans. The text reads back as the same
// values (tests/unit/config/emitter_test.cpp); its layout is emitter.cpp's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/duration.hpp"

namespace graced::config {

class Emitter {
 public:
  struct Node;  // a table (emitter.cpp)
  class Table {
   public:
    Table& set(std::string_view key, std::string_view value);  // redacted by key and content
    Table& set(std::string_view key, const char* value) {
      return set(key, std::string_view(value));
    }
    Table& set(std::string_view key, const std::string& value) {
      return set(key, std::string_view(value));
    }
    Table& set(std::string_view key, bool value);
    Table& set(std::string_view key, std::int64_t value);
    Table& set(std::string_view key, int value) { return set(key, std::int64_t{value}); }
    Table& set_duration(std::string_view key, Duration value);
    Table& set_signal(std::string_view key, int signo);
    // Each item redacted by content; in a command line, also the argument after a flag
    // named like a secret ("--password", "--api-key").
    Table& set_list(std::string_view key, const std::vector<std::string>& values);
    Table& set_int_list(std::string_view key, const std::vector<std::int64_t>& values);
    Table& set_table(std::string_view key,
                     const std::vector<std::pair<std::string, std::string>>& values);
    Table& set_int_table(std::string_view key,
                         const std::vector<std::pair<std::string, std::int64_t>>& values);
    Table sub(std::string_view key);     // [key]
    Table append(std::string_view key);  // [[key]]

   private:
    friend class Emitter;
    explicit Table(Node* t) : t_(t) {}
    Table fresh_sub(std::string_view key);  // [key], replacing what was there
    Node* t_;
  };

  Emitter();
  ~Emitter();
  Table root();
  std::string str() const;

 private:
  std::unique_ptr<Node> root_;
};

}  // namespace graced::config
