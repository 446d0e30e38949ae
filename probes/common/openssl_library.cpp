#include "probes/common/openssl_library.hpp"

#include <dlfcn.h>

#include <cstdio>
#include <cstdlib>

namespace graced::probes {
namespace {

struct Loaded {
  OpenSsl functions;
  std::string error;  // empty when loaded
};

#ifdef GRACED_OPENSSL_LINKED
Loaded load() {
  Loaded out;
#define GRACED_OPENSSL_LINK(name) out.functions.name = &::name;
  GRACED_OPENSSL_FUNCTIONS(GRACED_OPENSSL_LINK)
#undef GRACED_OPENSSL_LINK
  return out;
}
#else
Loaded load() {
  Loaded out;
  // RTLD_LOCAL: OpenSSL's symbols stay out of the global namespace.
  void* handle = dlopen(kOpenSslSoname, RTLD_NOW | RTLD_LOCAL);
  if (handle == nullptr) {
    const char* why = dlerror();
    out.error = std::string("needs OpenSSL, which cannot be loaded (") +
                (why ? why : kOpenSslSoname) + "); install the libssl3 package";
    return out;
  }
#define GRACED_OPENSSL_LOOKUP(name)                                                     \
  out.functions.name = reinterpret_cast<decltype(&::name)>(dlsym(handle, #name));       \
  if (out.functions.name == nullptr) {                                                  \
    out.error = std::string("needs OpenSSL, but ") + kOpenSslSoname + " has no " #name; \
    return out;                                                                         \
  }
  GRACED_OPENSSL_FUNCTIONS(GRACED_OPENSSL_LOOKUP)
#undef GRACED_OPENSSL_LOOKUP
  return out;
}
#endif

const Loaded& loaded() {
  static const Loaded once = load();
  return once;
}

}  // namespace

const OpenSsl* load_openssl(std::string& error) {
  if (!loaded().error.empty()) {
    error = loaded().error;
    return nullptr;
  }
  return &loaded().functions;
}

const OpenSsl& openssl() {
  if (!loaded().error.empty()) {
    std::fprintf(stderr, "graced: bug: OpenSSL used without being loaded first: %s\n",
                 loaded().error.c_str());
    std::abort();
  }
  return loaded().functions;
}

}  // namespace graced::probes
