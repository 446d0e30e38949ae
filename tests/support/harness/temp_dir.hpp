// A scratch directory for one test, removed with everything in it when the test ends.
#pragma once

#include <string>

namespace graced::test {

class TempDir {
 public:
  // mkdtemp under /tmp; throws std::runtime_error when it cannot be created.
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name; creates nothing.
  std::string file(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace graced::test
