#include "config/schema.hpp"

namespace graced::config {

const KeySpec* SectionSpec::find(std::string_view key) const {
  for (const auto& k : keys)
    if (k.name == key) return &k;
  return nullptr;
}

Schema& Schema::instance() {
  static Schema schema;
  return schema;
}

const SectionSpec& Schema::add(SectionSpec spec) {
  sections_.push_back(std::make_unique<SectionSpec>(std::move(spec)));
  return *sections_.back();
}

const SectionSpec* Schema::find(std::string_view name) const {
  for (const auto& s : sections_)
    if (s->name == name) return s.get();
  return nullptr;
}

std::vector<const SectionSpec*> Schema::sections() const {
  std::vector<const SectionSpec*> out;
  for (const auto& s : sections_)
    out.push_back(s.get());
  return out;
}

const SectionSpec& register_section(SectionSpec spec) {
  return Schema::instance().add(std::move(spec));
}

}  // namespace graced::config
