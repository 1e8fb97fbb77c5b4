# cmake/toolchains/mingw-w64.cmake — cross-compiling for 64-bit Windows from
# Debian with MinGW-w64 (the `mingw-w64` package), used by the
# `windows-cross` preset (CMakePresets.json) and tests/windows/run_wine_suite.sh.
#
# posix threads: the *-posix compilers, whose libstdc++ has std::thread and
# std::mutex (the win32 flavour lacks them). Static runtime: libgcc,
# libstdc++ and winpthread are linked in, so the .exe runs (under Wine or on
# Windows) with no MinGW DLL beside it.
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)

set(_lw_mingw x86_64-w64-mingw32)
set(CMAKE_C_COMPILER ${_lw_mingw}-gcc-posix)
set(CMAKE_CXX_COMPILER ${_lw_mingw}-g++-posix)
set(CMAKE_RC_COMPILER ${_lw_mingw}-windres)

set(CMAKE_FIND_ROOT_PATH /usr/${_lw_mingw})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -static-libgcc -static-libstdc++")
# Windows 10 API level (WSAPoll, WSA_FLAG_NO_HANDLE_INHERIT, inet_pton).
add_compile_definitions(_WIN32_WINNT=0x0A00)

# Tests run under Wine when CTest runs them from this build.
find_program(LW_WINE NAMES wine wine64)
if(LW_WINE)
    set(CMAKE_CROSSCOMPILING_EMULATOR ${LW_WINE})
endif()
