#include <algorithm>

#include "probes/check.hpp"

namespace graced::probes {
namespace {
std::vector<std::unique_ptr<CheckKind>>& kinds() {
  static std::vector<std::unique_ptr<CheckKind>> registry;
  return registry;
}
}  // namespace

void register_check_kind(std::unique_ptr<CheckKind> kind) {
  kinds().push_back(std::move(kind));
}

const CheckKind* find_check_kind(std::string_view type) {
  for (const auto& k : kinds())
    if (k->type() == type) return k.get();
  return nullptr;
}

std::vector<const CheckKind*> check_kinds() {
  std::vector<const CheckKind*> out;
  for (const auto& k : kinds())
    out.push_back(k.get());
  std::sort(out.begin(), out.end(),
            [](const CheckKind* a, const CheckKind* b) { return a->type() < b->type(); });
  return out;
}

}  // namespace graced::probes
