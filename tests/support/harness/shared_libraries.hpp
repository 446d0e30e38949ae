// Shared libraries graced loads with dlopen() only when its configuration needs them
// (libpq, OpenSSL): where the loader finds them, and a way to run graced as in an image
// that lacks one.
#pragma once

#include <string>
#include <vector>

namespace graced::test {

// The file the dynamic loader finds for `soname`, as this test process loads it; empty
// when it finds none.
std::string shared_library_file(const std::string& soname);

// graced's /proc/PID/maps once it has read `config` and started its child (sleep).
std::string maps_of_running_graced(const std::string& config);

// A GracedOptions::launcher that runs graced in a mount namespace of its own, with
// `file` replaced by an empty one.
std::vector<std::string> launcher_without_file(const std::string& file);

}  // namespace graced::test
