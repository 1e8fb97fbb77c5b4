# lw_warnings: an INTERFACE target carrying the project's warning flags.
# Every target of ours links it. LW_WERROR (on in CI) turns them into errors.
add_library(lw_warnings INTERFACE)
if(MSVC)
    target_compile_options(lw_warnings INTERFACE /W4 /permissive-)
    if(LW_WERROR)
        target_compile_options(lw_warnings INTERFACE /WX)
    endif()
else()
    target_compile_options(lw_warnings INTERFACE
        -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow
        -Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast -Wcast-align
        -Wnull-dereference -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough)
    if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
        target_compile_options(lw_warnings INTERFACE -Wthread-safety)
    endif()
    if(LW_WERROR)
        target_compile_options(lw_warnings INTERFACE -Werror)
    endif()
endif()
