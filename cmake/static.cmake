# The fully static build (IRSA_AGENT_STATIC=ON), included by dependencies.cmake
# before any first-party target exists. It points the third-party INTERFACE
# targets at static archives and defines irsa_static_link().
#
# libcurl comes from packaging/build-static.sh: Debian's curl source built with
# only HTTP and HTTPS, OpenSSL and c-ares, installed into a prefix passed in
# CMAKE_PREFIX_PATH. OpenSSL, c-ares, zlib and inih are Debian's own .a files.

# One section per function and object, so that --gc-sections in
# irsa_static_link() drops what the agent never calls. Applies to every target
# defined after this point, which is all of them.
add_compile_options(-ffunction-sections -fdata-sections)

# A static archive by its exact file name, so a shared library of the same name
# can never be picked instead. Extra arguments go to find_library().
function(irsa_find_static var name)
  find_library(${var} NAMES lib${name}.a ${ARGN})
  if(NOT ${var})
    message(FATAL_ERROR "IRSA_AGENT_STATIC: lib${name}.a not found (install its -dev package)")
  endif()
endfunction()

# OpenSSL: dependencies.cmake set OPENSSL_USE_STATIC_LIBS before FindOpenSSL,
# but a cache left by an earlier dynamic configure would still hold .so paths.
foreach(var IN ITEMS OPENSSL_SSL_LIBRARY OPENSSL_CRYPTO_LIBRARY)
  if(NOT ${var} MATCHES "\\.a$")
    message(FATAL_ERROR "IRSA_AGENT_STATIC: ${var} is ${${var}}, not a static archive; "
                        "configure a fresh build folder")
  endif()
endforeach()

# inih.
irsa_find_static(IRSA_STATIC_INIH_LIBRARY inih)
target_include_directories(irsa_deps_inih SYSTEM INTERFACE ${INIH_INCLUDE_DIRS})
target_compile_options(irsa_deps_inih INTERFACE ${INIH_CFLAGS_OTHER})
target_link_libraries(irsa_deps_inih INTERFACE ${IRSA_STATIC_INIH_LIBRARY})

# libcurl. CMAKE_PREFIX_PATH puts build-static.sh's prefix ahead of the system
# libcurl.pc, but the two must never be confused: the system libcurl.a wants
# nghttp2, libssh2, LDAP, ... and resolves names with getaddrinfo.
pkg_check_modules(IRSA_STATIC_CURL REQUIRED libcurl>=7.88)
pkg_get_variable(irsa_curl_protocols libcurl supported_protocols)  # a list: HTTP;HTTPS
list(JOIN irsa_curl_protocols " " irsa_curl_protocols)
set(irsa_curl_libs ${IRSA_STATIC_CURL_STATIC_LIBRARIES})
list(REMOVE_DUPLICATES irsa_curl_libs)
if(NOT irsa_curl_protocols STREQUAL "HTTP HTTPS" OR
   NOT irsa_curl_libs STREQUAL "curl;cares;ssl;crypto;z")
  message(FATAL_ERROR
    "IRSA_AGENT_STATIC: the libcurl in ${IRSA_STATIC_CURL_PREFIX} is not the static "
    "HTTP/HTTPS + OpenSSL + c-ares build (protocols: ${irsa_curl_protocols}; "
    "libraries: ${irsa_curl_libs}). Run packaging/build-static.sh, or pass its prefix "
    "(build-static/deps/prefix) in CMAKE_PREFIX_PATH.")
endif()
irsa_find_static(IRSA_STATIC_CURL_LIBRARY curl PATHS ${IRSA_STATIC_CURL_LIBDIR} NO_DEFAULT_PATH)
# c-ares rather than glibc's getaddrinfo: a static glibc still dlopen()s the NSS
# modules the host's /etc/nsswitch.conf names (other than files and dns), and
# those come from whatever glibc the host has.
irsa_find_static(IRSA_STATIC_CARES_LIBRARY cares)
irsa_find_static(IRSA_STATIC_ZLIB_LIBRARY z)

# Imported targets, so that CMake knows libcurl.a needs the others and always
# puts it before them on the link line, whatever else links OpenSSL.
add_library(irsa_static_cares STATIC IMPORTED)
set_target_properties(irsa_static_cares PROPERTIES IMPORTED_LOCATION ${IRSA_STATIC_CARES_LIBRARY})
add_library(irsa_static_zlib STATIC IMPORTED)
set_target_properties(irsa_static_zlib PROPERTIES IMPORTED_LOCATION ${IRSA_STATIC_ZLIB_LIBRARY})
add_library(irsa_static_curl STATIC IMPORTED)
set_target_properties(irsa_static_curl PROPERTIES
  IMPORTED_LOCATION ${IRSA_STATIC_CURL_LIBRARY}
  INTERFACE_INCLUDE_DIRECTORIES "${IRSA_STATIC_CURL_INCLUDE_DIRS}"
  INTERFACE_COMPILE_DEFINITIONS CURL_STATICLIB
  INTERFACE_LINK_LIBRARIES "irsa_static_cares;OpenSSL::SSL;OpenSSL::Crypto;irsa_static_zlib")

add_library(irsa_deps_curl INTERFACE)
target_link_libraries(irsa_deps_curl INTERFACE irsa_static_curl)

# Links `target` as a fully static, stripped executable, dropping unused sections.
function(irsa_static_link target)
  target_link_options(${target} PRIVATE -static -s -Wl,--gc-sections)
endfunction()
