#include "probes/common/openssl_library.hpp"

#include <cstdio>
#include <cstdlib>

#ifndef GRACED_OPENSSL_LINKED
#include "probes/common/shared_library.hpp"
#endif

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
const SharedLibrary kOpenSsl{kOpenSslSoname, "OpenSSL", "libssl3"};

Loaded load() {
  Loaded out;
  void* handle = open_shared_library(kOpenSsl, out.error);
  if (handle == nullptr) return out;
#define GRACED_OPENSSL_LOOKUP(name) \
  if (!find_function(handle, kOpenSsl, #name, out.functions.name, out.error)) return out;
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
