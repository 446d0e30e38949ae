#include "harness/shared_libraries.hpp"

#include <dlfcn.h>
#include <link.h>

#include <chrono>
#include <filesystem>

#include "harness/files.hpp"
#include "harness/graced_process.hpp"

namespace graced::test {

std::string shared_library_file(const std::string& soname) {
  void* handle = dlopen(soname.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) return "";
  link_map* map = nullptr;
  std::string path;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) == 0 && map != nullptr)
    path = std::filesystem::canonical(map->l_name);
  dlclose(handle);
  return path;
}

std::string maps_of_running_graced(const std::string& config) {
  using namespace std::chrono_literals;
  GracedProcess graced({.args = {"--", "sleep", "1000"}, .config = config});
  if (!graced.wait_for_log("child started", 10s)) return "";
  return read_file("/proc/" + std::to_string(graced.graced_pid()) + "/maps").value_or("");
}

std::vector<std::string> launcher_without_file(const std::string& file) {
  return {"unshare", "--mount", "sh", "-c", "mount --bind /dev/null " + file + " && exec \"$@\"",
          "sh"};
}

}  // namespace graced::test
