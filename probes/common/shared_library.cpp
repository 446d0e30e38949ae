#include "probes/common/shared_library.hpp"

#include <dlfcn.h>

namespace graced::probes {

void* open_shared_library(const SharedLibrary& library, std::string& error) {
  void* handle = dlopen(library.soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    error = std::string("needs ") + library.what + ", which cannot be loaded (" +
            (why ? why : library.soname) + "); install the " + library.package + " package";
  }
  return handle;
}

void* find_symbol(void* handle, const SharedLibrary& library, const char* name,
                  std::string& error) {
  void* symbol = dlsym(handle, name);
  if (symbol == nullptr) {
    error = std::string("needs ") + library.what + ", but " + library.soname + " has no " + name;
  }
  return symbol;
}

}  // namespace graced::probes
