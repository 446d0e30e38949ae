// The configuration reference (docs/configuration.md) rendered from the schema the
// parsers read keys through, so the documentation cannot drift from the code.
#pragma once

#include <string>

namespace graced::config {

// Markdown: one section per registered table, one row per key.
std::string render_reference();

}  // namespace graced::config
