#include "config/emitter.hpp"

#include <toml++/toml.h>

#include <sstream>

#include "config/redact.hpp"
#include "config/signal_names.hpp"

namespace graced::config {

struct Emitter::Impl {
  toml::table root;
};

namespace {
toml::table& tbl(void* t) {
  return *static_cast<toml::table*>(t);
}
}  // namespace

Emitter::Emitter() : impl_(std::make_unique<Impl>()) {}
Emitter::~Emitter() = default;

Emitter::Table Emitter::root() {
  return Table(&impl_->root);
}

std::string Emitter::str() const {
  std::ostringstream out;
  out << toml::toml_formatter(impl_->root) << "\n";
  return out.str();
}

Emitter::Table& Emitter::Table::set(std::string_view key, std::string_view value) {
  tbl(t_).insert_or_assign(key, redact_for_key(key, value));
  return *this;
}

Emitter::Table& Emitter::Table::set(std::string_view key, bool value) {
  tbl(t_).insert_or_assign(key, value);
  return *this;
}

Emitter::Table& Emitter::Table::set(std::string_view key, std::int64_t value) {
  tbl(t_).insert_or_assign(key, value);
  return *this;
}

Emitter::Table& Emitter::Table::set_duration(std::string_view key, Duration value) {
  tbl(t_).insert_or_assign(key, format_duration(value));
  return *this;
}

Emitter::Table& Emitter::Table::set_signal(std::string_view key, int signo) {
  tbl(t_).insert_or_assign(key, signal_name(signo));
  return *this;
}

Emitter::Table& Emitter::Table::set_list(std::string_view key,
                                         const std::vector<std::string>& values) {
  toml::array a;
  // In a command line the secret may follow its flag as the next argument:
  // ["app", "--db-password", "hunter2"].
  bool after_secret_flag = false;
  for (const auto& v : values) {
    a.push_back(after_secret_flag && !v.empty() ? std::string(kRedacted) : redact_value(v));
    const size_t name = v.find_first_not_of('-');
    after_secret_flag = name != 0 && name != std::string::npos &&
                        v.find('=') == std::string::npos &&
                        is_secret_key(std::string_view(v).substr(name));
  }
  tbl(t_).insert_or_assign(key, std::move(a));
  return *this;
}

Emitter::Table& Emitter::Table::set_int_list(std::string_view key,
                                             const std::vector<std::int64_t>& values) {
  toml::array a;
  for (auto v : values)
    a.push_back(v);
  tbl(t_).insert_or_assign(key, std::move(a));
  return *this;
}

Emitter::Table& Emitter::Table::set_table(
    std::string_view key, const std::vector<std::pair<std::string, std::string>>& values) {
  toml::table t;
  for (const auto& [k, v] : values)
    t.insert_or_assign(k, redact_for_key(k, v));
  tbl(t_).insert_or_assign(key, std::move(t));
  return *this;
}

Emitter::Table& Emitter::Table::set_int_table(
    std::string_view key, const std::vector<std::pair<std::string, std::int64_t>>& values) {
  toml::table t;
  for (const auto& [k, v] : values)
    t.insert_or_assign(k, v);
  tbl(t_).insert_or_assign(key, std::move(t));
  return *this;
}

Emitter::Table Emitter::Table::sub(std::string_view key) {
  auto [it, inserted] = tbl(t_).insert(key, toml::table{});
  return Table(it->second.as_table());
}

Emitter::Table Emitter::Table::append(std::string_view key) {
  auto* node = tbl(t_).get(key);
  if (!node) {
    tbl(t_).insert(key, toml::array{});
    node = tbl(t_).get(key);
  }
  auto* arr = node->as_array();
  arr->push_back(toml::table{});
  return Table(arr->back().as_table());
}

}  // namespace graced::config
