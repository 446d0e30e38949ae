# Every dependency comes from Debian packages installed by scripts/install-deps.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# GRACED_STATIC: a fully static binary, glibc included. Every library is then found as
# its Debian static archive (libssl.a, libcrypto.a too); libpq has none that links (see
# probes/CMakeLists.txt).
if(GRACED_STATIC)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  add_link_options(-static)
endif()

# libuv, c-ares, hiredis and nghttp2 go into the binary from their Debian static archives
# in every build (libuv_a.a through libuv-static.pc, libcares.a, libhiredis.a,
# libnghttp2.a): the dynamic loader then maps and relocates only glibc at each start
# (measured: 0.23 ms less start-up, 0.2 MiB less RSS), and only the parts graced calls are
# in memory. A security update of one of them therefore needs a rebuild of graced, as for
# the static build (packaging/README.md).
set(GRACED_SAVED_LIBRARY_SUFFIXES ${CMAKE_FIND_LIBRARY_SUFFIXES})
set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv-static)
# c-ares resolves the names of checks and hooks on the loop (probes/common/).
pkg_check_modules(CARES_ARCHIVE REQUIRED IMPORTED_TARGET libcares)
# hiredis speaks to Redis for the redis check (probes/redis/).
pkg_check_modules(HIREDIS_ARCHIVE REQUIRED IMPORTED_TARGET hiredis)
# nghttp2 frames HTTP/2 for the gRPC health server (daemon/grpc/) and the grpc check's
# client (probes/grpc/).
pkg_check_modules(NGHTTP2_ARCHIVE REQUIRED IMPORTED_TARGET libnghttp2)
set(CMAKE_FIND_LIBRARY_SUFFIXES ${GRACED_SAVED_LIBRARY_SUFFIXES})

# spdlog in header-only mode over header-only fmt: the binary needs neither shared library.
# fmt's thousands separator is fixed rather than read from std::locale, which graced never
# sets, and which would bring in the C++ locale machinery (README.md, "Footprint").
add_library(graced_spdlog INTERFACE)
target_compile_definitions(graced_spdlog INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY
  FMT_STATIC_THOUSANDS_SEPARATOR=',')

# toml++ is compiled once (daemon/config/toml_impl.cpp); everyone else sees declarations.
# Its parser only: graced writes TOML itself (daemon/config/emitter.cpp), as toml++'s
# formatter needs libm for one log10() and would add it to every start. Floats are parsed
# with std::from_chars, which GCC 12 has, instead of the std::istringstream toml++ falls
# back to for GCC (which brings in the C++ locale machinery).
add_library(graced_tomlpp INTERFACE)
target_compile_definitions(graced_tomlpp INTERFACE TOML_HEADER_ONLY=0 TOML_EXCEPTIONS=0
  TOML_ENABLE_FORMATTERS=0 TOML_FLOAT_CHARCONV=1)

# llhttp: Debian's node-llhttp ships the generated C sources; build them as a small library.
set(LLHTTP_SOURCE_DIR /usr/share/llhttp)
set(LLHTTP_INCLUDE_DIR /usr/share/include/llhttp)
if(NOT EXISTS ${LLHTTP_SOURCE_DIR}/llhttp.c)
  message(FATAL_ERROR "llhttp sources not found in ${LLHTTP_SOURCE_DIR}: run scripts/install-deps")
endif()
add_library(llhttp STATIC
  ${LLHTTP_SOURCE_DIR}/llhttp.c ${LLHTTP_SOURCE_DIR}/api.c ${LLHTTP_SOURCE_DIR}/http.c)
target_include_directories(llhttp SYSTEM PUBLIC ${LLHTTP_INCLUDE_DIR})
set_target_properties(llhttp PROPERTIES POSITION_INDEPENDENT_CODE ON)
