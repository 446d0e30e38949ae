// Whole-file reads and writes for tests.
#pragma once

#include <optional>
#include <string>

namespace graced::test {

// The file's contents, or nullopt when it cannot be opened (e.g. does not exist yet).
std::optional<std::string> read_file(const std::string& path);
// Creates or truncates; `mode` applies when the file is created. Throws on failure.
void write_file(const std::string& path, const std::string& contents, unsigned mode = 0644);
bool file_exists(const std::string& path);

}  // namespace graced::test
