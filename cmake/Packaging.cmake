# Install layout beyond the tools and plugins, and the Debian package (cpack -G DEB).
#
#   bin/                              ngsend, ngrecv
#   lib/ngstream/                     plugins (found as ../lib/ngstream from bin/)
#   lib/systemd/system/               ngsend@.service, ngrecv@.service
#   share/doc/ngstream/               README.md, cli.md
#   share/doc/ngstream/examples/      porch.ini, hub.ini and the commented examples

set(NG_CONFIG_DIR ${PROJECT_SOURCE_DIR}/config)
set(NG_UNITS ngsend@.service ngrecv@.service)

# The units name /usr/bin, where the package puts the tools; another prefix (cmake --install
# --prefix /usr/local) gets units that start the tools it installed.
foreach(unit IN LISTS NG_UNITS)
  install(CODE "
    file(READ \"${NG_CONFIG_DIR}/${unit}\" text)
    string(REPLACE \"/usr/bin/\" \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_BINDIR}/\" text \"\${text}\")
    set(dest \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/lib/systemd/system\")
    message(STATUS \"Installing: \${dest}/${unit}\")
    file(WRITE \"\${dest}/${unit}\" \"\${text}\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${dest}/${unit}\")")
endforeach()

install(FILES ${NG_CONFIG_DIR}/porch.ini ${NG_CONFIG_DIR}/hub.ini
              ${NG_CONFIG_DIR}/ngsend.example.ini ${NG_CONFIG_DIR}/ngrecv.example.ini
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/ngstream/examples)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/docs/cli.md
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/ngstream)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME ngstream)
set(CPACK_PACKAGE_VENDOR ngstream)
set(CPACK_PACKAGE_CONTACT "ngstream maintainers <ngstream@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "NetGear_Async-compatible video streaming over ZeroMQ (ngsend, ngrecv)")
set(CPACK_PACKAGE_DESCRIPTION
    "ngsend streams a camera, a video file or a test pattern over ZeroMQ; ngrecv shows,
records or pipes it. Wire-compatible with vidgear's NetGear_Async. Includes systemd
template units ngsend@.service and ngrecv@.service reading /etc/ngstream/NAME.ini.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
# ngstream_VERSION_ARCH.deb, the architecture from dpkg (or the cross toolchain's).
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION video)
# The postinst creates the service user with adduser.
set(CPACK_DEBIAN_PACKAGE_DEPENDS adduser)
if(CMAKE_CROSSCOMPILING)
  # dpkg-shlibdeps looks the libraries up in this machine's dpkg database, which has no
  # arm64 ones: scripts/cross-arm64 works the Depends out from the sysroot's shlibs files.
  set(NG_DEB_DEPENDS "" CACHE STRING "Depends: of the cross-built package, besides adduser")
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS OFF)
  if(NG_DEB_DEPENDS)
    string(APPEND CPACK_DEBIAN_PACKAGE_DEPENDS ", ${NG_DEB_DEPENDS}")
  endif()
  set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE ${NG_DEB_ARCHITECTURE})
else()
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
endif()
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${NG_CONFIG_DIR}/debian/postinst ${NG_CONFIG_DIR}/debian/prerm ${NG_CONFIG_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
include(CPack)
