# Every external dependency, all from Debian's packages (see scripts/install-deps).
find_package(PkgConfig REQUIRED)
pkg_check_modules(ZMQ REQUIRED IMPORTED_TARGET libzmq)
# TurboJPEG (libjpeg-turbo) for --compression jpeg: faster than OpenCV's imencode/imdecode
# here (scripts/bench), and it lets the encoder write into reused buffers.
pkg_check_modules(TURBOJPEG REQUIRED IMPORTED_TARGET libturbojpeg)
find_package(cppzmq REQUIRED)
find_package(msgpack REQUIRED)  # Debian: msgpack-config.cmake, target msgpackc-cxx
find_package(CLI11 REQUIRED)
find_package(spdlog REQUIRED)
find_package(Threads REQUIRED)
# core/imgproc/imgcodecs are light; videoio and highgui are only linked by plugins.
find_package(OpenCV REQUIRED COMPONENTS core imgproc imgcodecs videoio highgui)
# FFmpeg's libraries for the video-file plugin, which writes timestamps and sees write
# errors (OpenCV's VideoWriter does neither).
pkg_check_modules(FFMPEG REQUIRED IMPORTED_TARGET libavformat libavcodec libavutil libswscale)
# cpp-httplib for the HTTP output plugin (-o http://). Debian ships it compiled, with
# OpenSSL, zlib and brotli on; its header must see the same CPPHTTPLIB_* macros (pkg-config).
# Optional: without it the plugin is not built and -o http:// says the plugin is missing.
pkg_check_modules(HTTPLIB IMPORTED_TARGET cpp-httplib)
# libcamera for the Pi camera plugin (-s picam); optional: without it picam says so.
pkg_check_modules(LIBCAMERA IMPORTED_TARGET libcamera)
if(NG_BUILD_TESTS)
  find_package(doctest REQUIRED)
endif()
