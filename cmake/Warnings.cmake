# Warnings are errors for the project's own code. Third-party C sources (llhttp) get
# their own target without these flags.
add_library(graced_warnings INTERFACE)
target_compile_options(graced_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Wcast-align -Woverloaded-virtual
  -Wnull-dereference -Wimplicit-fallthrough -Werror)
