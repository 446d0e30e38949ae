// Reading procfs files (/proc/net/tcp, /proc/self/stat) whole. procfs is served from
// memory, so these reads do not wait on a device and may run on the event loop.
#pragma once

#include <string>

namespace graced::process {

// The file's contents; empty if it cannot be read.
std::string read_proc_file(const char* path);

}  // namespace graced::process
