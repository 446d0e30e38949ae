// Opening a shared library graced loads with dlopen() only when a configuration needs it
// (libpq: probes/postgres/libpq_library.hpp; OpenSSL: probes/common/openssl_library.hpp),
// with errors that say what is missing and which Debian package brings it. Not part of the
// fully static build, which cannot load libraries.
#pragma once

#include <string>

namespace graced::probes {

// What a loader needs to say in its errors.
struct SharedLibrary {
  const char* soname;   // "libssl.so.3"
  const char* what;     // "OpenSSL", as in "needs OpenSSL, which cannot be loaded"
  const char* package;  // "libssl3", as in "install the libssl3 package"
};

// dlopen(RTLD_NOW | RTLD_LOCAL: its symbols stay out of the global namespace); nullptr with
// `error` set when it cannot be loaded. Never closed.
void* open_shared_library(const SharedLibrary& library, std::string& error);

// The function `name` of the opened library into `slot`; false with `error` set when the
// library has none.
void* find_symbol(void* handle, const SharedLibrary& library, const char* name, std::string& error);
template <class Function>
bool find_function(void* handle, const SharedLibrary& library, const char* name, Function& slot,
                   std::string& error) {
  slot = reinterpret_cast<Function>(find_symbol(handle, library, name, error));
  return slot != nullptr;
}

}  // namespace graced::probes
