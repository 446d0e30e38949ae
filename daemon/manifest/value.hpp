// A small document tree (maps keep their insertion order, as Kubernetes manifests are read
// by people) that the YAML and JSON writers print. Comments are entries of their own:
// the YAML writer prints them where they stand, the JSON writer leaves them out.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <string>
#include <utility>
#include <vector>

namespace graced::manifest {

class Value {
 public:
  enum class Kind : std::uint8_t { null, boolean, integer, string, list, map, comment };

  Value() = default;
  static Value boolean(bool b);
  static Value integer(long long i);
  static Value string(std::string s);
  static Value list();
  static Value map();
  // A list of strings, the common case (command, args).
  static Value strings(const std::vector<std::string>& items);

  // Maps: appends `key` (keys are not checked for duplicates); returns the value set, so
  // nested maps can be filled in place. References stay valid as more is added.
  Value& set(std::string key, Value value);
  // Lists: appends.
  Value& push(Value value);
  // Maps and lists: a comment line (or lines, split on '\n') at this position.
  Value& comment(std::string text);

  Kind kind() const { return kind_; }
  bool as_boolean() const { return boolean_; }
  long long as_integer() const { return integer_; }
  const std::string& as_string() const { return string_; }  // string and comment
  // A list's items (comments included).
  const std::list<Value>& items() const { return items_; }
  // A map's entries; a comment's key is empty.
  const std::list<std::pair<std::string, Value>>& entries() const { return entries_; }
  // The entry of a map with that key; nullptr when there is none.
  const Value* find(const std::string& key) const;
  // A list's i-th item, comments not counted; nullptr past the end.
  const Value* at(std::size_t i) const;
  // How many items or entries, comments not counted.
  std::size_t size() const;
  // Maps and lists: whether they hold anything but comments.
  bool has_content() const;

 private:
  Kind kind_ = Kind::null;
  bool boolean_ = false;
  long long integer_ = 0;
  std::string string_;
  // Lists, not vectors: what set() and push() return must survive later additions.
  std::list<Value> items_;
  std::list<std::pair<std::string, Value>> entries_;
};

}  // namespace graced::manifest
