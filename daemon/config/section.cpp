#include "config/section.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <cassert>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "config/signal_names.hpp"
#include "config/toml_text.hpp"

namespace graced::config {

struct Document::Impl {
  toml::table root;
};

namespace {

const toml::table* as_table(const void* p) {
  return static_cast<const toml::table*>(p);
}

Origin origin_of(const toml::node& node, const std::string& fallback) {
  const auto& src = node.source();
  std::string file = src.path ? *src.path : fallback;
  if (file.rfind("--", 0) == 0) return Origin{file, 0};  // command-line override
  return Origin{file, src.begin.line};
}

std::string type_name(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a float";
    case toml::node_type::boolean:
      return "a boolean";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::table:
      return "a table";
    default:
      return "a date/time";
  }
}

std::string quoted(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diag = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

// "unknown key (did you mean \"command\"?)", else the list of the keys that are known.
std::string unknown_key_message(std::string_view key,
                                const std::vector<const SectionSpec*>& specs) {
  std::string_view best;
  size_t best_distance = 3;  // more than two edits away is not a typo
  std::string known;
  for (const auto* spec : specs) {
    for (const auto& ks : spec->keys) {
      known += " " + std::string(ks.name);
      const size_t d = edit_distance(key, ks.name);
      if (d < best_distance && d < ks.name.size()) {
        best = ks.name;
        best_distance = d;
      }
    }
  }
  if (!best.empty()) return "unknown key (did you mean \"" + std::string(best) + "\"?)";
  if (known.empty()) return "unknown key (this table takes no keys)";
  return "unknown key (known keys:" + known + ")";
}

}  // namespace

Section::Section(const Document* doc, const void* table, std::string path,
                 std::vector<const SectionSpec*> specs, Diagnostics* diags)
    : doc_(doc), table_(table), path_(std::move(path)), specs_(std::move(specs)), diags_(diags) {}

bool Section::present() const {
  return table_ != nullptr;
}

const void* Section::lookup(std::string_view key) const {
  if (!table_) return nullptr;
  return as_table(table_)->get(key);
}

bool Section::has(std::string_view key) const {
  return lookup(key) != nullptr;
}

Origin Section::origin() const {
  if (!table_) return Origin{doc_ ? doc_->source_name() : "defaults", 0};
  return origin_of(*as_table(table_), doc_->source_name());
}

Origin Section::origin(std::string_view key) const {
  if (auto* n = static_cast<const toml::node*>(lookup(key)))
    return origin_of(*n, doc_->source_name());
  return origin();
}

std::string Section::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return path_ + "." + std::string(key);
}

void Section::assert_declared(std::string_view key) const {
  // A parser reading a key its own spec does not list is a programming error: the docs
  // would miss it.
  if (schema_root_ && Schema::instance().find(key)) return;
  for (const auto* spec : specs_)
    if (spec->find(key)) return;
  assert(false && "configuration key read but not declared in its SectionSpec");
}

void Section::error(std::string_view key, std::string message) {
  diags_->error(origin(key), key_path(key), std::move(message));
}

void Section::warning(std::string_view key, std::string message) {
  diags_->warning(origin(key), key_path(key), std::move(message));
}

std::optional<std::string> Section::expand(std::string_view key, const std::string& raw) {
  auto result = expand_env(raw, doc_->env());
  if (auto* err = std::get_if<ExpandError>(&result)) {
    error(key, err->message);
    return std::nullopt;
  }
  return std::get<std::string>(std::move(result));
}

std::optional<std::string> Section::string(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_string()) {
    error(key, "expected a string, got " + type_name(*n));
    return std::nullopt;
  }
  return expand(key, **n->as_string());
}

std::optional<std::string> Section::name_or_id(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (n->is_integer()) return std::to_string(**n->as_integer());
  if (!n->is_string()) {
    error(key, "expected a name or a numeric id, got " + type_name(*n));
    return std::nullopt;
  }
  return expand(key, **n->as_string());
}

std::optional<bool> Section::boolean(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_boolean()) {
    error(key, "expected true or false, got " + type_name(*n));
    return std::nullopt;
  }
  return **n->as_boolean();
}

std::optional<std::int64_t> Section::integer(std::string_view key, std::int64_t min,
                                             std::int64_t max) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_integer()) {
    error(key, "expected an integer, got " + type_name(*n));
    return std::nullopt;
  }
  std::int64_t v = **n->as_integer();
  if (v < min || v > max) {
    error(key, std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
                   std::to_string(max) + ")");
    return std::nullopt;
  }
  return v;
}

std::optional<Duration> Section::duration(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_string()) {
    error(key, "expected a duration string such as \"5s\", got " + type_name(*n));
    return std::nullopt;
  }
  auto text = expand(key, **n->as_string());
  if (!text) return std::nullopt;
  auto d = parse_duration(*text);
  if (!d) {
    error(key, quoted(*text) + " is not a duration (use e.g. \"5s\", \"250ms\", \"1m30s\")");
    return std::nullopt;
  }
  return d;
}

std::optional<int> Section::signal(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  std::string text;
  if (n->is_integer()) {
    text = std::to_string(**n->as_integer());
  } else if (n->is_string()) {
    auto t = expand(key, **n->as_string());
    if (!t) return std::nullopt;
    text = *t;
  } else {
    error(key, "expected a signal name such as \"SIGTERM\", got " + type_name(*n));
    return std::nullopt;
  }
  auto s = parse_signal(text);
  if (!s) {
    error(key, quoted(text) + " is not a signal (use e.g. \"SIGTERM\", \"TERM\" or 15)");
    return std::nullopt;
  }
  return s;
}

std::optional<std::vector<std::pair<int, int>>> Section::signal_table(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_table()) {
    error(key,
          "expected a table of signals such as { SIGHUP = \"SIGUSR1\" }, got " + type_name(*n));
    return std::nullopt;
  }
  std::vector<std::pair<int, int>> out;
  bool ok = true;
  for (const auto& [k, v] : *n->as_table()) {
    const Origin where = origin_of(v, doc_->source_name());
    const std::string path = key_path(std::string(key) + "." + std::string(k.str()));
    const auto from = parse_signal(k.str());
    if (!from) {
      diags_->error(where, path,
                    quoted(k.str()) + " is not a signal (use e.g. \"SIGHUP\", \"HUP\" or 1)");
      ok = false;
    }
    std::string text;
    if (v.is_integer()) {
      text = std::to_string(**v.as_integer());
    } else if (v.is_string()) {
      auto e = expand_env(**v.as_string(), doc_->env());
      if (auto* err = std::get_if<ExpandError>(&e)) {
        diags_->error(where, path, err->message);
        ok = false;
        continue;
      }
      text = std::get<std::string>(std::move(e));
    } else {
      diags_->error(where, path, "expected a signal name such as \"SIGTERM\", got " + type_name(v));
      ok = false;
      continue;
    }
    const auto to = parse_signal(text);
    if (!to) {
      diags_->error(where, path,
                    quoted(text) + " is not a signal (use e.g. \"SIGTERM\", \"TERM\" or 15)");
      ok = false;
      continue;
    }
    if (from) out.emplace_back(*from, *to);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> Section::string_list(std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_array()) {
    error(key, "expected an array of strings, got " + type_name(*n));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  size_t i = 0;
  for (const auto& item : *n->as_array()) {
    const std::string item_path = key_path(key) + "[" + std::to_string(i++) + "]";
    if (!item.is_string()) {
      diags_->error(origin_of(item, doc_->source_name()), item_path,
                    "expected a string, got " + type_name(item));
      ok = false;
      continue;
    }
    auto v = expand_env(**item.as_string(), doc_->env());
    if (auto* err = std::get_if<ExpandError>(&v)) {
      diags_->error(origin_of(item, doc_->source_name()), item_path, err->message);
      ok = false;
      continue;
    }
    out.push_back(std::get<std::string>(std::move(v)));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> Section::string_or_list(std::string_view key) {
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (n && n->is_string()) {
    auto s = string(key);
    if (!s) return std::nullopt;
    return std::vector<std::string>{*s};
  }
  return string_list(key);
}

std::optional<std::vector<std::int64_t>> Section::integer_list(std::string_view key,
                                                               std::int64_t min, std::int64_t max) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_array()) {
    error(key, "expected an array of integers, got " + type_name(*n));
    return std::nullopt;
  }
  std::vector<std::int64_t> out;
  bool ok = true;
  size_t i = 0;
  for (const auto& item : *n->as_array()) {
    const Origin where = origin_of(item, doc_->source_name());
    const std::string item_path = key_path(key) + "[" + std::to_string(i++) + "]";
    if (!item.is_integer()) {
      diags_->error(where, item_path, "expected an integer, got " + type_name(item));
      ok = false;
      continue;
    }
    const std::int64_t v = **item.as_integer();
    if (v < min || v > max) {
      diags_->error(where, item_path,
                    std::to_string(v) + " is out of range (" + std::to_string(min) + " to " +
                        std::to_string(max) + ")");
      ok = false;
      continue;
    }
    out.push_back(v);
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::pair<std::string, std::string>>> Section::string_table(
    std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_table()) {
    error(key, "expected a table of strings, got " + type_name(*n));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> out;
  bool ok = true;
  for (const auto& [k, v] : *n->as_table()) {
    std::string sub = std::string(key) + "." + std::string(k.str());
    if (!v.is_string()) {
      diags_->error(origin_of(v, doc_->source_name()), key_path(sub),
                    "expected a string, got " + type_name(v));
      ok = false;
      continue;
    }
    auto e = expand_env(**v.as_string(), doc_->env());
    if (auto* err = std::get_if<ExpandError>(&e)) {
      diags_->error(origin_of(v, doc_->source_name()), key_path(sub), err->message);
      ok = false;
      continue;
    }
    out.emplace_back(std::string(k.str()), std::get<std::string>(std::move(e)));
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::pair<std::string, std::int64_t>>> Section::integer_table(
    std::string_view key) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return std::nullopt;
  if (!n->is_table()) {
    error(key, "expected a table of integers, got " + type_name(*n));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::int64_t>> out;
  bool ok = true;
  for (const auto& [k, v] : *n->as_table()) {
    if (!v.is_integer()) {
      diags_->error(origin_of(v, doc_->source_name()),
                    key_path(std::string(key) + "." + std::string(k.str())),
                    "expected an integer, got " + type_name(v));
      ok = false;
      continue;
    }
    out.emplace_back(std::string(k.str()), **v.as_integer());
  }
  if (!ok) return std::nullopt;
  return out;
}

Section Section::table(std::string_view key, const SectionSpec& spec) {
  assert_declared(key);
  auto* n = static_cast<const toml::node*>(lookup(key));
  std::string sub = key_path(key);
  if (n && !n->is_table()) {
    error(key, "expected a table, got " + type_name(*n));
    n = nullptr;
  }
  return Section(doc_, n ? n->as_table() : nullptr, std::move(sub), {&spec}, diags_);
}

std::vector<Section> Section::table_array(std::string_view key, const SectionSpec& spec) {
  assert_declared(key);
  std::vector<Section> out;
  auto* n = static_cast<const toml::node*>(lookup(key));
  if (!n) return out;
  // `checks = []` says "none" as well as leaving the key out does.
  if (n->is_array() && n->as_array()->empty()) return out;
  if (!n->is_array_of_tables()) {
    error(key, "expected an array of tables ([[" + key_path(key) + "]]), got " + type_name(*n));
    return out;
  }
  size_t i = 0;
  for (const auto& item : *n->as_array()) {
    out.push_back(Section(doc_, item.as_table(), key_path(key) + "[" + std::to_string(i) + "]",
                          {&spec}, diags_));
    ++i;
  }
  return out;
}

void Section::add_spec(const SectionSpec& spec) {
  specs_.push_back(&spec);
}

void Section::check_unknown_keys() {
  if (!table_) return;
  std::vector<const SectionSpec*> specs = specs_;
  SectionSpec top_level{"", "", {}};
  if (schema_root_) {
    for (const auto* section : Schema::instance().sections()) {
      if (section->name.find('.') == std::string_view::npos)
        top_level.keys.push_back({section->name, "table", "", section->title});
    }
    specs.push_back(&top_level);
  }
  for (const auto& [k, v] : *as_table(table_)) {
    bool known = false;
    for (const auto* spec : specs)
      if (spec->find(k.str())) known = true;
    if (!known) {
      diags_->error(origin_of(v, doc_->source_name()), key_path(k.str()),
                    unknown_key_message(k.str(), specs));
    }
  }
}

Document::Document() : impl_(std::make_unique<Impl>()), env_(process_environment()) {}
Document::~Document() = default;

bool Document::load_string(std::string_view text, const std::string& display_name,
                           Diagnostics& diags) {
  source_name_ = display_name;
  toml::parse_result result = toml::parse(text, display_name);
  if (!result) {
    const auto& err = result.error();
    diags.error(Origin{display_name, err.source().begin.line}, "", std::string(err.description()));
    return false;
  }
  impl_->root = std::move(result).table();
  return true;
}

bool Document::load_file(const std::string& path, Diagnostics& diags) {
  auto fail = [&](const std::string& why) {
    diags.error(Origin{path, 0}, "", why);
    return false;
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(std::string("cannot read the file: ") + std::strerror(errno));
  std::string text;
  struct stat st {};
  // A directory opens fine and reads as an error, or on some systems as nothing at all.
  if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
    ::close(fd);
    return fail("is a directory, not a configuration file");
  }
  char buf[16384];
  while (true) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      const int err = errno;
      ::close(fd);
      return fail(std::string("cannot read the file: ") + std::strerror(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return load_string(text, path, diags);
}

bool Document::set_override(std::string_view assignment, Diagnostics& diags) {
  auto eq = assignment.find('=');
  if (eq == std::string_view::npos || eq == 0) {
    diags.error(Origin{"--set", 0}, "",
                quoted(assignment) + " is not KEY=VALUE (e.g. --set process.signal_group=true)");
    return false;
  }
  std::string key(assignment.substr(0, eq));
  std::string value(assignment.substr(eq + 1));
  // Parse the value as TOML; a bare word that is not valid TOML is taken as a string.
  // Either way the value comes from a parse named "--set", so messages about it say so.
  toml::parse_result parsed = toml::parse("v = " + value, std::string("--set"));
  // "1\nother = 2" parses, but as two keys: that is a string with a newline in it.
  if (!parsed || parsed.table().size() != 1)
    parsed = toml::parse("v = " + toml_basic_string(value), std::string("--set"));
  toml::table holder;
  if (parsed) {
    holder = std::move(parsed).table();
  } else {
    holder.insert("v", value);  // not UTF-8: still a string, just without an origin
  }
  // Walk/create the dotted path.
  toml::table* t = &impl_->root;
  size_t start = 0;
  while (true) {
    size_t dot = key.find('.', start);
    std::string part =
        key.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (part.empty()) {
      diags.error(Origin{"--set", 0}, key,
                  "is not a key path (write the keys separated by single dots, e.g. "
                  "process.signal_group)");
      return false;
    }
    if (dot == std::string::npos) {
      t->insert_or_assign(part, std::move(*holder.get("v")));
      return true;
    }
    auto* next = t->get(part);
    if (!next) {
      t->insert(part, toml::table{});
      next = t->get(part);
    }
    if (!next->is_table()) {
      diags.error(Origin{"--set", 0}, key,
                  key.substr(0, dot) + " is " + type_name(*next) + ", not a table");
      return false;
    }
    t = next->as_table();
    start = dot + 1;
  }
}

Section Document::root(const SectionSpec& spec, Diagnostics& diags) const {
  return Section(this, &impl_->root, "", {&spec}, &diags);
}

Section Document::schema_root(Diagnostics& diags) const {
  Section root(this, &impl_->root, "", {}, &diags);
  root.schema_root_ = true;
  return root;
}

}  // namespace graced::config
