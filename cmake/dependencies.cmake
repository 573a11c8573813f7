# Third-party libraries, each behind one INTERFACE target so the static build
# can swap what they point at in one place (cmake/static.cmake).
find_package(PkgConfig REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
# FindOpenSSL reads this before searching: the static build links libssl.a and
# libcrypto.a (cmake/static.cmake checks that it got them).
set(OPENSSL_USE_STATIC_LIBS ${IRSA_AGENT_STATIC})
find_package(OpenSSL 3 REQUIRED)

add_library(irsa_deps_json INTERFACE)
target_link_libraries(irsa_deps_json INTERFACE nlohmann_json::nlohmann_json)

pkg_check_modules(INIH REQUIRED IMPORTED_TARGET inih)
add_library(irsa_deps_inih INTERFACE)

if(IRSA_AGENT_STATIC)
  include(${CMAKE_CURRENT_LIST_DIR}/static.cmake)
else()
  target_link_libraries(irsa_deps_inih INTERFACE PkgConfig::INIH)
  find_package(CURL 7.88 REQUIRED)
  add_library(irsa_deps_curl INTERFACE)
  target_link_libraries(irsa_deps_curl INTERFACE CURL::libcurl)
  function(irsa_static_link target)
  endfunction()
endif()
