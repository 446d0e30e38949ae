// Where the binaries under test are (set by tests/support/CMakeLists.txt).
#pragma once

#include <initializer_list>
#include <string>
#include <vector>

namespace graced::test {

inline const std::string kGracedBinary = GRACED_BINARY;
inline const std::string kTestChild = GRACED_TEST_CHILD;
inline const std::string kSourceDir = GRACED_SOURCE_DIR;

// graced's arguments for running graced-test-child with `args`: {"--", child, args...}.
inline std::vector<std::string> run_test_child(std::initializer_list<std::string> args) {
  std::vector<std::string> out{"--", kTestChild};
  out.insert(out.end(), args.begin(), args.end());
  return out;
}

}  // namespace graced::test
