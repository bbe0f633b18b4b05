# Cross toolchain for the bare-metal aarch64 boot stage: Debian's
# gcc-aarch64-linux-gnu used freestanding (no glibc, no crt files); our own
# tiny libc in firmware/baremetal/libc fills the gap.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR aarch64)
set(CMAKE_C_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_ASM_COMPILER aarch64-linux-gnu-gcc)
set(CMAKE_OBJCOPY aarch64-linux-gnu-objcopy)
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
