# Cross-compiling for 64-bit ARM (Raspberry Pi OS / Debian arm64) with Debian's
# crossbuild-essential-arm64 against a sysroot that scripts/cross-arm64 makes with mmdebstrap.
# Use: cmake -DCMAKE_TOOLCHAIN_FILE=cmake/toolchain-arm64.cmake -DNG_SYSROOT=DIR ...
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_LIBRARY_ARCHITECTURE aarch64-linux-gnu)

# The toolchain file is read again for every try_compile: pass the sysroot on through the
# environment as well as the cache.
if(NOT NG_SYSROOT)
  set(NG_SYSROOT "$ENV{NG_SYSROOT}")
endif()
if(NOT NG_SYSROOT OR NOT EXISTS "${NG_SYSROOT}/usr/include")
  message(FATAL_ERROR "toolchain-arm64: set NG_SYSROOT to an arm64 sysroot (scripts/cross-arm64 "
                      "makes one); got '${NG_SYSROOT}'")
endif()
set(ENV{NG_SYSROOT} "${NG_SYSROOT}")
set(NG_SYSROOT "${NG_SYSROOT}" CACHE PATH "The arm64 sysroot")
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES NG_SYSROOT)

set(CMAKE_SYSROOT "${NG_SYSROOT}")
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_CXX_COMPILER aarch64-linux-gnu-g++)

# Headers, libraries and CMake packages from the sysroot only; programs from this machine.
set(CMAKE_FIND_ROOT_PATH "${NG_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# pkg-config (libzmq, libturbojpeg, FFmpeg, libcamera) reads the sysroot's .pc files and
# prefixes the paths they give with it.
set(ENV{PKG_CONFIG_PATH} "")
set(ENV{PKG_CONFIG_LIBDIR}
    "${NG_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${NG_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${NG_SYSROOT}")

# Libraries that the sysroot's libraries need (OpenCV's BLAS and LAPACK, ...) are found
# through the sysroot's multiarch folders when linking.
foreach(dir lib/aarch64-linux-gnu usr/lib/aarch64-linux-gnu)
  string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -Wl,-rpath-link,${NG_SYSROOT}/${dir}")
  string(APPEND CMAKE_SHARED_LINKER_FLAGS_INIT " -Wl,-rpath-link,${NG_SYSROOT}/${dir}")
  string(APPEND CMAKE_MODULE_LINKER_FLAGS_INIT " -Wl,-rpath-link,${NG_SYSROOT}/${dir}")
endforeach()

# Tests and tools run under qemu-user with the sysroot as the root of their libraries.
set(CMAKE_CROSSCOMPILING_EMULATOR qemu-aarch64 -L "${NG_SYSROOT}")

# The Debian architecture of the package cpack makes (cmake/Packaging.cmake).
set(NG_DEB_ARCHITECTURE arm64)
