#include "notify/runtime_dir.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace graced::notify {

RuntimeDir::~RuntimeDir() {
  remove();
}

std::optional<std::string> RuntimeDir::create() {
  std::vector<std::string> bases;
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && xdg[0] == '/')
    bases.emplace_back(xdg);
  bases.emplace_back("/tmp");
  std::string error;
  for (const auto& base : bases) {
    std::string templ = base + "/graced-XXXXXX";
    if (::mkdtemp(templ.data())) {
      path_ = std::move(templ);
      return std::nullopt;
    }
    if (!error.empty()) error += "; ";
    error += "mkdtemp in " + base + ": " + std::strerror(errno);
  }
  return "cannot create a runtime directory (" + error + ")";
}

void RuntimeDir::remove() {
  if (path_.empty()) return;
  ::rmdir(path_.c_str());
  path_.clear();
}

}  // namespace graced::notify
