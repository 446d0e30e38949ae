#include "process/proc_file.hpp"

#include <cstdio>

namespace graced::process {

std::string read_proc_file(const char* path) {
  std::string text;
  FILE* f = std::fopen(path, "re");
  if (f == nullptr) return text;
  char buf[16384];
  while (const size_t n = std::fread(buf, 1, sizeof buf, f))
    text.append(buf, n);
  std::fclose(f);
  return text;
}

}  // namespace graced::process
