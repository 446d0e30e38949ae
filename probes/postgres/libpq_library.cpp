#include "probes/postgres/libpq_library.hpp"

#include <dlfcn.h>

namespace graced::probes {
namespace {

struct Loaded {
  Libpq functions;
  std::string error;  // empty when loaded
};

Loaded load() {
  Loaded out;
  // RTLD_LOCAL: libpq's symbols (and its libraries') stay out of the global namespace.
  void* handle = dlopen(kLibpqSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    out.error = std::string("needs libpq, which cannot be loaded (") + (why ? why : kLibpqSoname) +
                "); install the libpq5 package";
    return out;
  }
#define GRACED_LIBPQ_LOOKUP(name)                                                   \
  out.functions.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));   \
  if (out.functions.name == nullptr) {                                              \
    out.error = std::string("needs libpq, but ") + kLibpqSoname + " has no " #name; \
    return out;                                                                     \
  }
  GRACED_LIBPQ_FUNCTIONS(GRACED_LIBPQ_LOOKUP)
#undef GRACED_LIBPQ_LOOKUP
  return out;
}

}  // namespace

const Libpq* load_libpq(std::string& error) {
  static const Loaded loaded = load();
  if (!loaded.error.empty()) {
    error = loaded.error;
    return nullptr;
  }
  return &loaded.functions;
}

}  // namespace graced::probes
