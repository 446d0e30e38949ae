#include "config/emitter.hpp"

#include <map>
#include <variant>

#include "config/redact.hpp"
#include "config/signal_names.hpp"
#include "config/toml_text.hpp"

// The layout of the text: in each table its values first, then its sub-tables ([a.b]),
// then its arrays of tables ([[a]]), each group in key order. A sub-table's header and
// values are indented four spaces under its parent's header. A table that holds only
// tables gets no header of its own ([signals.rewrite] without [signals]). Arrays are
// written on one line.

namespace graced::config {

struct Emitter::Node {
  using Tables = std::vector<std::unique_ptr<Node>>;
  // A value already spelled as TOML, a sub-table, or an array of tables.
  using Entry = std::variant<std::string, std::unique_ptr<Node>, Tables>;
  std::map<std::string, Entry, std::less<>> entries;

  void put(std::string_view key, std::string toml_value) {
    entries.insert_or_assign(std::string(key), Entry(std::move(toml_value)));
  }
};

namespace {

using Node = Emitter::Node;

template <typename T>
bool holds(const Node::Entry& e) {
  return std::holds_alternative<T>(e);
}

std::string toml_list(const std::vector<std::string>& toml_values) {
  if (toml_values.empty()) return "[]";
  std::string out = "[ ";
  for (size_t i = 0; i < toml_values.size(); ++i)
    out += (i ? ", " : "") + toml_values[i];
  return out + " ]";
}

class Writer {
 public:
  std::string text() && { return std::move(out_); }

  // The table's contents under `path` (its header's key path). `level` is the indent of the
  // table's own header: -1 for the root, which has none, so that top-level headers and
  // values start at the margin.
  void table(const Node& node, const std::string& path, int level) {
    for (const auto& [key, entry] : node.entries) {
      if (const auto* value = std::get_if<std::string>(&entry))
        line(indent(level) + toml_key(key) + " = " + *value);
    }
    for (const auto& [key, entry] : node.entries) {
      if (!holds<std::unique_ptr<Node>>(entry)) continue;
      const Node& child = *std::get<std::unique_ptr<Node>>(entry);
      if (holds_only_tables(child)) {
        table(child, join(path, key), level);
        continue;
      }
      header(indent(level + 1) + "[" + join(path, key) + "]");
      table(child, join(path, key), level + 1);
    }
    for (const auto& [key, entry] : node.entries) {
      if (!holds<Node::Tables>(entry)) continue;
      for (const auto& element : std::get<Node::Tables>(entry)) {
        header(indent(level + 1) + "[[" + join(path, key) + "]]");
        table(*element, join(path, key), level + 1);
      }
    }
  }

 private:
  static std::string join(const std::string& path, const std::string& key) {
    return path.empty() ? toml_key(key) : path + "." + toml_key(key);
  }

  static std::string indent(int level) {
    return std::string(level > 0 ? static_cast<size_t>(level) * 4 : 0, ' ');
  }

  static bool holds_only_tables(const Node& node) {
    if (node.entries.empty()) return false;
    for (const auto& [key, entry] : node.entries)
      if (holds<std::string>(entry)) return false;
    return true;
  }

  void line(const std::string& text) { out_ += text + "\n"; }

  // A header starts a new paragraph.
  void header(const std::string& text) {
    if (!out_.empty()) out_ += "\n";
    line(text);
  }

  std::string out_;
};

}  // namespace

Emitter::Emitter() : root_(std::make_unique<Node>()) {}
Emitter::~Emitter() = default;

Emitter::Table Emitter::root() {
  return Table(root_.get());
}

std::string Emitter::str() const {
  Writer w;
  w.table(*root_, "", -1);
  return std::move(w).text();
}

Emitter::Table& Emitter::Table::set(std::string_view key, std::string_view value) {
  t_->put(key, toml_string(redact_for_key(key, value)));
  return *this;
}

Emitter::Table& Emitter::Table::set(std::string_view key, bool value) {
  t_->put(key, value ? "true" : "false");
  return *this;
}

Emitter::Table& Emitter::Table::set(std::string_view key, std::int64_t value) {
  t_->put(key, std::to_string(value));
  return *this;
}

Emitter::Table& Emitter::Table::set_duration(std::string_view key, Duration value) {
  t_->put(key, toml_string(format_duration(value)));
  return *this;
}

Emitter::Table& Emitter::Table::set_signal(std::string_view key, int signo) {
  t_->put(key, toml_string(signal_name(signo)));
  return *this;
}

Emitter::Table& Emitter::Table::set_list(std::string_view key,
                                         const std::vector<std::string>& values) {
  std::vector<std::string> items;
  // In a command line the secret may follow its flag as the next argument:
  // ["app", "--db-password", "hunter2"].
  bool after_secret_flag = false;
  for (const auto& v : values) {
    items.push_back(
        toml_string(after_secret_flag && !v.empty() ? std::string(kRedacted) : redact_value(v)));
    const size_t name = v.find_first_not_of('-');
    after_secret_flag = name != 0 && name != std::string::npos &&
                        v.find('=') == std::string::npos &&
                        is_secret_key(std::string_view(v).substr(name));
  }
  t_->put(key, toml_list(items));
  return *this;
}

Emitter::Table& Emitter::Table::set_int_list(std::string_view key,
                                             const std::vector<std::int64_t>& values) {
  std::vector<std::string> items;
  for (auto v : values)
    items.push_back(std::to_string(v));
  t_->put(key, toml_list(items));
  return *this;
}

Emitter::Table& Emitter::Table::set_table(
    std::string_view key, const std::vector<std::pair<std::string, std::string>>& values) {
  Table t = fresh_sub(key);
  for (const auto& [k, v] : values)
    t.t_->put(k, toml_string(redact_for_key(k, v)));
  return *this;
}

Emitter::Table& Emitter::Table::set_int_table(
    std::string_view key, const std::vector<std::pair<std::string, std::int64_t>>& values) {
  Table t = fresh_sub(key);
  for (const auto& [k, v] : values)
    t.t_->put(k, std::to_string(v));
  return *this;
}

Emitter::Table Emitter::Table::fresh_sub(std::string_view key) {
  auto it = t_->entries.insert_or_assign(std::string(key), std::make_unique<Node>()).first;
  return Table(std::get<std::unique_ptr<Node>>(it->second).get());
}

Emitter::Table Emitter::Table::sub(std::string_view key) {
  auto it = t_->entries.find(key);
  if (it == t_->entries.end() || !holds<std::unique_ptr<Node>>(it->second)) return fresh_sub(key);
  return Table(std::get<std::unique_ptr<Node>>(it->second).get());
}

Emitter::Table Emitter::Table::append(std::string_view key) {
  auto it = t_->entries.find(key);
  if (it == t_->entries.end() || !holds<Node::Tables>(it->second))
    it = t_->entries.insert_or_assign(std::string(key), Node::Tables{}).first;
  auto& tables = std::get<Node::Tables>(it->second);
  tables.push_back(std::make_unique<Node>());
  return Table(tables.back().get());
}

}  // namespace graced::config
