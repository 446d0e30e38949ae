#include "manifest/value.hpp"

namespace graced::manifest {

Value Value::boolean(bool b) {
  Value v;
  v.kind_ = Kind::boolean;
  v.boolean_ = b;
  return v;
}

Value Value::integer(long long i) {
  Value v;
  v.kind_ = Kind::integer;
  v.integer_ = i;
  return v;
}

Value Value::string(std::string s) {
  Value v;
  v.kind_ = Kind::string;
  v.string_ = std::move(s);
  return v;
}

Value Value::list() {
  Value v;
  v.kind_ = Kind::list;
  return v;
}

Value Value::map() {
  Value v;
  v.kind_ = Kind::map;
  return v;
}

Value Value::strings(const std::vector<std::string>& items) {
  Value v = list();
  for (const auto& s : items)
    v.push(string(s));
  return v;
}

Value& Value::set(std::string key, Value value) {
  entries_.emplace_back(std::move(key), std::move(value));
  return entries_.back().second;
}

Value& Value::push(Value value) {
  items_.push_back(std::move(value));
  return items_.back();
}

Value& Value::comment(std::string text) {
  Value c;
  c.kind_ = Kind::comment;
  c.string_ = std::move(text);
  if (kind_ == Kind::list) {
    items_.push_back(std::move(c));
  } else {
    entries_.emplace_back("", std::move(c));
  }
  return *this;
}

const Value* Value::find(const std::string& key) const {
  for (const auto& [k, v] : entries_)
    if (v.kind_ != Kind::comment && k == key) return &v;
  return nullptr;
}

const Value* Value::at(std::size_t i) const {
  for (const auto& v : items_) {
    if (v.kind_ == Kind::comment) continue;
    if (i == 0) return &v;
    --i;
  }
  return nullptr;
}

std::size_t Value::size() const {
  std::size_t n = 0;
  for (const auto& v : items_)
    if (v.kind_ != Kind::comment) ++n;
  for (const auto& e : entries_)
    if (e.second.kind_ != Kind::comment) ++n;
  return n;
}

bool Value::has_content() const {
  return size() > 0;
}

}  // namespace graced::manifest
