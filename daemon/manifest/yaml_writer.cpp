#include "manifest/yaml_writer.hpp"

#include <cctype>
#include <string>

namespace graced::manifest {
namespace {

// Words YAML 1.1 reads as booleans or null, whatever their case.
bool is_reserved_word(std::string_view s) {
  static constexpr std::string_view kWords[] = {"y",     "n",  "yes", "no",  "true",
                                                "false", "on", "off", "null"};
  for (auto w : kWords) {
    if (w.size() != s.size()) continue;
    bool same = true;
    for (std::size_t i = 0; i < s.size(); ++i)
      if (std::tolower(static_cast<unsigned char>(s[i])) != w[i]) same = false;
    if (same) return true;
  }
  return false;
}

// Plain only for a conservative alphabet: starting with a letter, '_' or '/' rules out
// numbers, timestamps and every indicator character; no spaces rules out ": " and " #";
// a ':' is allowed inside ("registry:5000/app") but not last, where it would start a map.
bool plain_is_safe(std::string_view s) {
  if (s.empty() || is_reserved_word(s)) return false;
  const auto first = static_cast<unsigned char>(s.front());
  if (!std::isalpha(first) && first != '_' && first != '/') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) return false;
    if (std::isalnum(c)) continue;
    switch (c) {
      case '_':
      case '-':
      case '.':
      case '/':
      case '+':
      case '=':
      case '@':
        continue;
      case ':':
        if (i + 1 < s.size()) continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

std::string double_quoted(std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out = "\"";
  for (char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          out += "\\x";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;  // UTF-8 passes through: YAML streams are Unicode
        }
    }
  }
  return out + "\"";
}

bool is_block(const Value& v) {
  return (v.kind() == Value::Kind::map || v.kind() == Value::Kind::list) && v.has_content();
}

std::string inline_value(const Value& v) {
  switch (v.kind()) {
    case Value::Kind::null:
      return "null";
    case Value::Kind::boolean:
      return v.as_boolean() ? "true" : "false";
    case Value::Kind::integer:
      return std::to_string(v.as_integer());
    case Value::Kind::string:
      return yaml_string(v.as_string());
    case Value::Kind::list:
      return "[]";
    case Value::Kind::map:
      return "{}";
    case Value::Kind::comment:
      break;
  }
  return "";
}

void write_comment(std::string& out, const std::string& text, std::size_t indent) {
  std::size_t start = 0;
  while (true) {
    const auto end = text.find('\n', start);
    const std::string line = text.substr(start, end == std::string::npos ? end : end - start);
    out.append(indent, ' ');
    out += line.empty() ? "#\n" : "# " + line + "\n";
    if (end == std::string::npos) break;
    start = end + 1;
  }
}

// An empty collection is written inline; its comments, if any, go on the lines before.
void write_comments_of_empty(std::string& out, const Value& v, std::size_t indent) {
  if (v.kind() == Value::Kind::list) {
    for (const auto& item : v.items())
      write_comment(out, item.as_string(), indent);
  } else if (v.kind() == Value::Kind::map) {
    for (const auto& [key, item] : v.entries())
      write_comment(out, item.as_string(), indent);
  }
}

void write_block(std::string& out, const Value& v, std::size_t indent);

void write_list_item(std::string& out, const Value& item, std::size_t indent) {
  if (!is_block(item)) {
    write_comments_of_empty(out, item, indent);
    out.append(indent, ' ');
    out += "- " + inline_value(item) + "\n";
    return;
  }
  // The item is written two columns further in, then its first line takes the dash:
  // "  name: a\n  port: 1\n" becomes "- name: a\n  port: 1\n".
  std::string child;
  write_block(child, item, indent + 2);
  if (child.compare(indent + 2, 1, "#") == 0) {
    out.append(indent, ' ');
    out += "-\n" + child;  // a comment cannot share the dash's line with the content
    return;
  }
  out.append(indent, ' ');
  out += "- ";
  out += child.substr(indent + 2);
}

void write_block(std::string& out, const Value& v, std::size_t indent) {
  if (v.kind() == Value::Kind::list) {
    for (const auto& item : v.items()) {
      if (item.kind() == Value::Kind::comment) {
        write_comment(out, item.as_string(), indent);
      } else {
        write_list_item(out, item, indent);
      }
    }
    return;
  }
  for (const auto& [key, item] : v.entries()) {
    if (item.kind() == Value::Kind::comment) {
      write_comment(out, item.as_string(), indent);
      continue;
    }
    if (!is_block(item)) write_comments_of_empty(out, item, indent);
    out.append(indent, ' ');
    out += yaml_string(key) + ":";
    if (is_block(item)) {
      out += "\n";
      write_block(out, item, indent + 2);
    } else {
      out += " " + inline_value(item) + "\n";
    }
  }
}

}  // namespace

std::string yaml_string(std::string_view s) {
  return plain_is_safe(s) ? std::string(s) : double_quoted(s);
}

std::string to_yaml(const Value& document) {
  std::string out;
  if (is_block(document)) {
    write_block(out, document, 0);
  } else {
    write_comments_of_empty(out, document, 0);
    out += inline_value(document) + "\n";
  }
  return out;
}

}  // namespace graced::manifest
