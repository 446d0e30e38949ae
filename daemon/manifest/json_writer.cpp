#include "manifest/json_writer.hpp"

#include "log/log.hpp"

namespace graced::manifest {
namespace {

void write(std::string& out, const Value& v, std::size_t indent) {
  switch (v.kind()) {
    case Value::Kind::null:
    case Value::Kind::comment:
      out += "null";
      return;
    case Value::Kind::boolean:
      out += v.as_boolean() ? "true" : "false";
      return;
    case Value::Kind::integer:
      out += std::to_string(v.as_integer());
      return;
    case Value::Kind::string:
      out += json_string(v.as_string());
      return;
    case Value::Kind::list:
    case Value::Kind::map:
      break;
  }
  const bool is_map = v.kind() == Value::Kind::map;
  if (!v.has_content()) {
    out += is_map ? "{}" : "[]";
    return;
  }
  out += is_map ? "{" : "[";
  bool first = true;
  auto next_line = [&] {
    out += first ? "\n" : ",\n";
    first = false;
    out.append(indent + 2, ' ');
  };
  if (is_map) {
    for (const auto& [key, item] : v.entries()) {
      if (item.kind() == Value::Kind::comment) continue;
      next_line();
      out += json_string(key) + ": ";
      write(out, item, indent + 2);
    }
  } else {
    for (const auto& item : v.items()) {
      if (item.kind() == Value::Kind::comment) continue;
      next_line();
      write(out, item, indent + 2);
    }
  }
  out += "\n";
  out.append(indent, ' ');
  out += is_map ? "}" : "]";
}

}  // namespace

std::string json_string(std::string_view s) {
  return "\"" + log::json_escape(s) + "\"";
}

std::string to_json(const Value& document) {
  std::string out;
  write(out, document, 0);
  return out + "\n";
}

}  // namespace graced::manifest
