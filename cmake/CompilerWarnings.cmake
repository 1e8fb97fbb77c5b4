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
        # GCC 12 and 13 report -Wrestrict inside libstdc++'s std::string when
        # it is inlined at -O3 (a Release build), where no overlap is possible
        # (GCC bugs 105329, 105651). Kept as a warning, not an error.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
           AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 14)
            target_compile_options(lw_warnings INTERFACE -Wno-error=restrict)
        endif()
    endif()
endif()
