# Cross build of the box's programs (poortd, poortctl) for aarch64 Linux,
# Cortex-A53 baseline, against Debian bookworm's arm64 libraries unpacked by
# tools/setup.d/60-arm64-sysroot into <top>/build-arm64/sysroot.
#   cmake -S . -B build-arm64 -DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-linux.cmake
# POORT_SYSROOT overrides the sysroot. Unit tests run under qemu-aarch64-static.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR aarch64)

get_filename_component(_poort_top "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
if(NOT POORT_SYSROOT)
  set(POORT_SYSROOT "${_poort_top}/build-arm64/sysroot")
endif()
set(POORT_SYSROOT "${POORT_SYSROOT}" CACHE PATH "arm64 sysroot (tools/setup.d/60-arm64-sysroot)")
if(NOT EXISTS "${POORT_SYSROOT}/.poort-sysroot")
  message(FATAL_ERROR "no arm64 sysroot at ${POORT_SYSROOT}: run tools/setup")
endif()
# try_compile projects see this file again: hand them the sysroot
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES POORT_SYSROOT)

set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_SYSROOT "${POORT_SYSROOT}")
# no build-host paths in the binaries (talloc names its chunks by __FILE__)
set(CMAKE_C_FLAGS_INIT "-mcpu=cortex-a53 -ffile-prefix-map=${_poort_top}/=")

# libraries, headers and pkg-config files only from the sysroot; programs
# (pkg-config, python3, radclient) from the host
set(CMAKE_FIND_ROOT_PATH "${POORT_SYSROOT}")
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(ENV{PKG_CONFIG_LIBDIR}
  "${POORT_SYSROOT}/usr/lib/aarch64-linux-gnu/pkgconfig:${POORT_SYSROOT}/usr/share/pkgconfig")
set(ENV{PKG_CONFIG_SYSROOT_DIR} "${POORT_SYSROOT}")
set(ENV{PKG_CONFIG_PATH} "")

# Shared libraries pull in others the link must resolve (libfreeradius ->
# libpcap -> dbus -> systemd -> lz4/zstd/gcrypt): let ld find them in the
# sysroot without writing the build host's path into the binaries.
set(_poort_rpl "-Wl,-rpath-link,${POORT_SYSROOT}/usr/lib/aarch64-linux-gnu")
string(APPEND _poort_rpl " -Wl,-rpath-link,${POORT_SYSROOT}/usr/lib/aarch64-linux-gnu/freeradius")
set(CMAKE_EXE_LINKER_FLAGS_INIT "${_poort_rpl}")
set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_poort_rpl}")

# ctest runs the arm64 test programs through qemu-user with the sysroot's
# loader and libraries
find_program(POORT_QEMU_AARCH64_USER qemu-aarch64-static)
if(POORT_QEMU_AARCH64_USER)
  set(CMAKE_CROSSCOMPILING_EMULATOR "${POORT_QEMU_AARCH64_USER};-L;${POORT_SYSROOT}")
endif()
