#include "probes/postgres/libpq_library.hpp"

#include "probes/common/shared_library.hpp"

namespace graced::probes {
namespace {

// dlopen() also loads what libpq links: Kerberos, LDAP, SASL, GnuTLS.
const SharedLibrary kLibpq{kLibpqSoname, "libpq", "libpq5"};

struct Loaded {
  Libpq functions;
  std::string error;  // empty when loaded
};

Loaded load() {
  Loaded out;
  void* handle = open_shared_library(kLibpq, out.error);
  if (handle == nullptr) return out;
#define GRACED_LIBPQ_LOOKUP(name) \
  if (!find_function(handle, kLibpq, #name, out.functions.name, out.error)) return out;
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
