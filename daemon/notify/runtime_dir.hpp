// A private directory for graced's own sockets: mkdtemp'd (mode 0700) under
// $XDG_RUNTIME_DIR, or /tmp when that is unset or unusable. Removed when the owner goes.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace graced::notify {

class RuntimeDir {
 public:
  RuntimeDir() = default;
  ~RuntimeDir();
  RuntimeDir(const RuntimeDir&) = delete;
  RuntimeDir& operator=(const RuntimeDir&) = delete;

  // Returns an error message, or nullopt once the directory exists.
  std::optional<std::string> create();
  const std::string& path() const { return path_; }
  // The directory is removed only once it is empty: whoever creates a file in it removes it.
  void remove();

 private:
  std::string path_;
};

}  // namespace graced::notify
