# The Debian package (make package): /usr/bin/graced, stripped, with README.md and an
# example configuration under /usr/share/doc/graced. Depends is worked out by
# dpkg-shlibdeps (dpkg-dev) from the libraries the binary links.
include(GNUInstallDirs)
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(FILES ${CMAKE_CURRENT_LIST_DIR}/graced.toml DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

set(GRACED_PACKAGE_MAINTAINER "graced maintainers <maintainers@graced.invalid>"
    CACHE STRING "The Maintainer field of the Debian package")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME graced)
set(CPACK_PACKAGE_VENDOR graced)
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "PID 1 for containers: health probes and a zero-downtime shutdown")
# The extended description, one paragraph in lines as the control file wants them.
set(CPACK_PACKAGE_DESCRIPTION "graced is the entrypoint (PID 1) of a container. It starts the service
as its child, reaps zombies and forwards signals, answers Kubernetes and
Docker probes over HTTP and gRPC from dependency checks (tcp, http, exec,
postgres, redis, grpc, file, sd_notify), and stops the service without
dropping requests: readiness fails first, the drain window passes, then
the service gets its stop signal. One binary, one TOML file.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER ${GRACED_PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# libpq and OpenSSL are loaded at run time, only for what needs them (the postgres
# check's query mode: probes/postgres/libpq_library.hpp; TLS, passwords, Basic auth:
# probes/common/openssl_library.hpp), so dpkg-shlibdeps cannot see them.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "libpq5, libssl3")

include(CPack)
