// graced's shared libraries: glibc and nothing else (README.md, "Footprint"). libuv,
// c-ares, hiredis, nghttp2 and the C++ runtime are linked in, libm is not needed, and
// libpq and OpenSSL are loaded only when the configuration needs them
// (tests/integration/probes/*_loading_test.cpp). Each shared library would cost every
// start its mapping and relocation, and every instance its pages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <sstream>
#include <string>

#include "harness/graced_process.hpp"
#include "harness/shared_libraries.hpp"

namespace graced {
namespace {

// The shared objects in a /proc/PID/maps text, by file name up to ".so"
// ("libasan.so.8.0.0" is "libasan").
std::set<std::string> shared_objects(const std::string& maps) {
  std::set<std::string> out;
  std::istringstream in(maps);
  for (std::string line; std::getline(in, line);) {
    const auto slash = line.rfind('/');
    if (slash == std::string::npos) continue;
    const std::string name = line.substr(slash + 1);
    const auto so = name.find(".so");
    if (so != std::string::npos) out.insert(name.substr(0, so));
  }
  return out;
}

TEST(LinkedLibraries, ARunningGracedMapsOnlyGlibcWhateverKindsItUses) {
  // A kind of each library that used to be a shared one: a name to resolve (c-ares), a
  // redis check (hiredis), a grpc check and the gRPC server on the HTTP port (nghttp2), the loop
  // (libuv). Port 1 on loopback: nothing listens, the checks fail fast and never matter here.
  const std::string config =
      "[[checks]]\nname = \"named\"\ntype = \"tcp\"\naddress = \"localhost:1\"\n"
      "[[checks]]\nname = \"cache\"\ntype = \"redis\"\naddress = \"127.0.0.1:1\"\n"
      "[[checks]]\nname = \"rpc\"\ntype = \"grpc\"\naddress = \"127.0.0.1:1\"\n"
      "[[checks]]\nname = \"web\"\ntype = \"http\"\nurl = \"http://127.0.0.1:1/healthz\"\n";
  const std::string maps = test::maps_of_running_graced(config);
  std::set<std::string> expected = {"libc", "ld-linux-x86-64"};
  const auto mapped = shared_objects(maps);
  if (mapped.count("libasan")) {
    // The sanitizer build (make test-sanitize) links the sanitizer runtimes and, for them,
    // the C++ runtime dynamically (daemon/CMakeLists.txt).
    for (const char* runtime : {"libasan", "libubsan", "libstdc++", "libm", "libgcc_s"})
      expected.insert(runtime);
  }
  ASSERT_THAT(mapped, ::testing::Contains("libc")) << maps;  // the map was read
  for (const auto& so : mapped)
    EXPECT_TRUE(expected.count(so)) << so << " is mapped:\n" << maps;
}

}  // namespace
}  // namespace graced
