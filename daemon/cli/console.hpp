// What the command line verbs print. Plain stdio rather than iostreams: std::cout and
// std::cerr bring in the C++ locale machinery, whose set-up would run at every start of
// graced and keep its code in memory (README.md, "Footprint").
#pragma once

#include <string_view>

namespace graced::cli {

void print_out(std::string_view text);  // stdout
void print_err(std::string_view text);  // stderr

}  // namespace graced::cli
