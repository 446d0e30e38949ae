# Every dependency comes from Debian packages installed by scripts/install-deps.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)

# GRACED_STATIC: a fully static binary, glibc included. Every library is then found as
# its Debian static archive (libuv_a.a through libuv-static.pc, libnghttp2.a,
# libhiredis.a, libcares.a, libssl.a, libcrypto.a); libpq has none that links (see
# probes/CMakeLists.txt).
if(GRACED_STATIC)
  set(CMAKE_FIND_LIBRARY_SUFFIXES .a)
  add_link_options(-static)
  pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv-static)
else()
  pkg_check_modules(LIBUV REQUIRED IMPORTED_TARGET libuv)
endif()

# spdlog in header-only mode over header-only fmt: the binary needs neither shared library.
add_library(graced_spdlog INTERFACE)
target_compile_definitions(graced_spdlog INTERFACE SPDLOG_FMT_EXTERNAL FMT_HEADER_ONLY)

# toml++ is compiled once (daemon/config/toml_impl.cpp); everyone else sees declarations.
add_library(graced_tomlpp INTERFACE)
target_compile_definitions(graced_tomlpp INTERFACE TOML_HEADER_ONLY=0 TOML_EXCEPTIONS=0 TOML_ENABLE_FORMATTERS=1)

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

# nghttp2: HTTP/2 framing for the gRPC health server (daemon/grpc/) and the grpc check's
# client (probes/grpc/).
pkg_check_modules(LIBNGHTTP2 REQUIRED IMPORTED_TARGET libnghttp2)
