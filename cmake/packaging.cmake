# The Debian package of the dynamic build: `cpack -G DEB` in the build folder.
# Included from the top CMakeLists.txt after the irsa-agent target exists.
#
#   /usr/bin/irsa-agent                                  the binary (install(TARGETS) there)
#   /lib/systemd/system/irsa-agent.service               the unit, not enabled
#   /usr/share/doc/irsa-agent/                           README.md, docs/*.md
#   /usr/share/doc/irsa-agent/examples/                  agent.ini.example, mapping.conf,
#                                                        the Kubernetes manifests
#
# The example INI goes to the doc folder, not /etc: everything dpkg installs
# under /etc must be a conffile, and an example is not configuration. The
# administrator copies it to /etc/irsa-agent/agent.ini (docs/DEPLOYMENT.md).

set(IRSA_SYSTEMD_UNIT_DIR "/lib/systemd/system" CACHE PATH
    "Where the package installs irsa-agent.service")
set(irsa_doc_dir "share/doc/irsa-agent")

install(FILES packaging/systemd/irsa-agent.service DESTINATION ${IRSA_SYSTEMD_UNIT_DIR})
install(FILES
  packaging/systemd/agent.ini.example
  packaging/examples/mapping.conf
  packaging/kubernetes/mutation.yaml
  packaging/kubernetes/native-sidecar-pod.yaml
  packaging/kubernetes/reaper.yaml
  DESTINATION ${irsa_doc_dir}/examples)
file(GLOB irsa_docs LIST_DIRECTORIES false CONFIGURE_DEPENDS
     ${CMAKE_CURRENT_SOURCE_DIR}/docs/*.md)
if(EXISTS ${CMAKE_CURRENT_SOURCE_DIR}/README.md)
  list(PREPEND irsa_docs ${CMAKE_CURRENT_SOURCE_DIR}/README.md)
else()
  message(WARNING "README.md is missing: the package will ship without it")
endif()
install(FILES ${irsa_docs} DESTINATION ${irsa_doc_dir})

set(CPACK_PACKAGE_NAME "irsa-agent")
set(CPACK_PACKAGE_VERSION "${PROJECT_VERSION}")
set(CPACK_PACKAGE_VENDOR "irsa-agent")
set(CPACK_PACKAGE_CONTACT "irsa-agent maintainers <irsa-agent@example.com>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "AWS config profiles for the IAM roles mapped to a Domino run")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
  "irsa-agent asks the Domino IAM role mapping service which roles a run may\n"
  "assume and keeps an AWS shared config file with those profiles current,\n"
  "as a Kubernetes sidecar, a one-shot command or a systemd service.")
set(CPACK_PACKAGING_INSTALL_PREFIX "/usr")
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CPACK_PACKAGE_CONTACT}")
set(CPACK_DEBIAN_PACKAGE_SECTION "admin")
set(CPACK_DEBIAN_PACKAGE_PRIORITY "optional")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # irsa-agent_0.1.0_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binary's libraries
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/prerm
    ${CMAKE_CURRENT_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
