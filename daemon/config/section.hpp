// Typed, validating access to one table of the configuration. Parsers for each feature
// read their keys through a Section; every problem becomes a Diagnostic naming the file,
// line and key, and parsing goes on so that all errors are reported at once.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.hpp"
#include "config/duration.hpp"
#include "config/env_expand.hpp"
#include "config/schema.hpp"

namespace graced::config {

class Document;

class Section {
 public:
  // The dotted path used in messages: "process", "checks[2]".
  const std::string& path() const { return path_; }
  // False when the table is absent from the file (defaults apply).
  bool present() const;
  bool has(std::string_view key) const;
  Origin origin() const;
  Origin origin(std::string_view key) const;
  // The key as messages name it: "process.command".
  std::string key_path(std::string_view key) const;

  std::optional<std::string> string(std::string_view key);
  // A name or a numeric id, as text: user = "app" and user = 1000 both work.
  std::optional<std::string> name_or_id(std::string_view key);
  std::optional<bool> boolean(std::string_view key);
  std::optional<std::int64_t> integer(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<Duration> duration(std::string_view key);
  std::optional<int> signal(std::string_view key);
  std::optional<std::vector<std::string>> string_list(std::string_view key);
  std::optional<std::vector<std::int64_t>> integer_list(std::string_view key, std::int64_t min,
                                                        std::int64_t max);
  // A table of free-form keys whose values are strings (env, headers, maps).
  std::optional<std::vector<std::pair<std::string, std::string>>> string_table(
      std::string_view key);
  // A table of free-form keys whose values are integers (exit_code_map).
  std::optional<std::vector<std::pair<std::string, std::int64_t>>> integer_table(
      std::string_view key);
  // A table whose keys and values are both signals: { SIGHUP = "SIGUSR1", INT = 15 }.
  std::optional<std::vector<std::pair<int, int>>> signal_table(std::string_view key);
  // A string, or an array of strings (a command written either way).
  std::optional<std::vector<std::string>> string_or_list(std::string_view key);

  // A sub-table; absent gives an empty Section (present() == false).
  Section table(std::string_view key, const SectionSpec& spec);
  // An array of tables, [[key]].
  std::vector<Section> table_array(std::string_view key, const SectionSpec& spec);

  // The same table read with further keys (a check's type-specific keys).
  void add_spec(const SectionSpec& spec);

  void error(std::string_view key, std::string message);
  void warning(std::string_view key, std::string message);
  Diagnostics& diagnostics() { return *diags_; }

  // Reports every key not in the section's specs. Call once parsing of the table is done.
  void check_unknown_keys();

 private:
  friend class Document;
  struct Node;
  Section(const Document* doc, const void* table, std::string path,
          std::vector<const SectionSpec*> specs, Diagnostics* diags);
  const void* lookup(std::string_view key) const;
  void assert_declared(std::string_view key) const;
  std::optional<std::string> expand(std::string_view key, const std::string& raw);

  const Document* doc_ = nullptr;
  const void* table_ = nullptr;  // const toml::table*, hidden to keep toml++ out of headers
  std::string path_;
  std::vector<const SectionSpec*> specs_;
  bool schema_root_ = false;
  Diagnostics* diags_ = nullptr;
};

// A parsed configuration file plus command-line overrides; owns the TOML tree that
// Sections point into.
class Document {
 public:
  Document();
  ~Document();
  Document(const Document&) = delete;
  Document& operator=(const Document&) = delete;

  // Parses a file; syntax errors become diagnostics. `display_name` is what messages show.
  bool load_file(const std::string& path, Diagnostics& diags);
  bool load_string(std::string_view text, const std::string& display_name, Diagnostics& diags);
  // `--set key.path=value`: the value is TOML ("10s" or 10 or true); a bare word is a string.
  bool set_override(std::string_view assignment, Diagnostics& diags);

  Section root(const SectionSpec& spec, Diagnostics& diags) const;
  // The root whose keys are the top-level sections registered in the Schema, looked up
  // when a key is read or checked rather than when the root is made, so that a section
  // registered on first use (a parser's spec function) is known all the same.
  Section schema_root(Diagnostics& diags) const;
  const std::string& source_name() const { return source_name_; }
  void set_env(EnvLookup env) { env_ = std::move(env); }
  const EnvLookup& env() const { return env_; }

 private:
  friend class Section;
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string source_name_ = "defaults";
  EnvLookup env_;
};

}  // namespace graced::config
