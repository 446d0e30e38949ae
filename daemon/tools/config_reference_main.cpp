// Regenerates the key tables of docs/configuration.md from the schema (make docs).
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "config/reference.hpp"
#include "daemon_config.hpp"

namespace {
constexpr const char* kBegin = "<!-- BEGIN GENERATED: make docs -->\n";
constexpr const char* kEnd = "<!-- END GENERATED -->\n";
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: graced-config-reference docs/configuration.md\n";
    return 2;
  }
  // Loading the defaults links in every section's parser, and with it its registration.
  (void)graced::load_config({std::nullopt, {}, {}, false});
  std::ifstream in(argv[1]);
  std::stringstream ss;
  ss << in.rdbuf();
  std::string doc = ss.str();
  auto begin = doc.find(kBegin);
  auto end = doc.find(kEnd);
  if (begin == std::string::npos || end == std::string::npos || end < begin) {
    std::cerr << argv[1] << ": the generated-section markers are missing\n";
    return 1;
  }
  std::string out =
      doc.substr(0, begin) + kBegin + graced::config::render_reference() + doc.substr(end);
  std::ofstream(argv[1]) << out;
  return 0;
}
