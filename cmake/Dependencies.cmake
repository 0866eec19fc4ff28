# Every external dependency, all from Debian's packages (see scripts/install-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
find_package(cppzmq REQUIRED)
find_package(msgpack REQUIRED)  # Debian: msgpack-config.cmake, target msgpackc-cxx
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
# core/imgproc/imgcodecs are light; videoio and highgui are only linked by plugins.
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs videoio highgui)
pkg_check_modules(LIBCAMERA IMPORTED_TARGET libcamera)
if(NG_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()
