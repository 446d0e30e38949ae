#include "config/reference.hpp"

#include <algorithm>

#include "config/schema.hpp"

namespace graced::config {
namespace {

std::string escape_cell(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

std::string default_cell(std::string_view default_value) {
  if (default_value.empty()) return "required";
  if (default_value == "unset") return "optional";
  return "`" + escape_cell(default_value) + "`";
}

// "checks.redis" -> "[[checks]] with type = \"redis\""
std::string heading(std::string_view name) {
  auto dot = name.find('.');
  if (dot == std::string_view::npos) {
    if (name == "checks" || name == "hooks") return "`[[" + std::string(name) + "]]`";
    return "`[" + std::string(name) + "]`";
  }
  std::string parent(name.substr(0, dot));
  std::string child(name.substr(dot + 1));
  if (parent == "checks") return "`[[checks]]` with `type = \"" + child + "\"`";
  return "`[" + std::string(name) + "]`";
}

}  // namespace

std::string render_reference() {
  auto sections = Schema::instance().sections();
  std::sort(sections.begin(), sections.end(),
            [](const SectionSpec* a, const SectionSpec* b) { return a->name < b->name; });
  std::string out;
  for (const auto* s : sections) {
    out += "### " + heading(s->name) + "\n\n";
    if (!s->title.empty()) out += std::string(s->title) + "\n\n";
    out += "| key | type | default | meaning |\n| --- | --- | --- | --- |\n";
    for (const auto& k : s->keys) {
      out += "| `" + std::string(k.name) + "` | " + escape_cell(k.type) + " | " +
             default_cell(k.default_value) + " | " + escape_cell(k.meaning) + " |\n";
    }
    out += "\n";
  }
  return out;
}

}  // namespace graced::config
