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
        # At -O3 (a Release build) GCC 12 and 13 inline libstdc++'s string
        # and vector code deeply enough to report -Wrestrict and
        # -Wnull-dereference inside it where neither can happen (for
        # -Wrestrict: GCC bugs 105329, 105651). Those stay warnings in Release builds;
        # CI's RelWithDebInfo (-O2) keeps them errors.
        if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_GREATER_EQUAL 12
           AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 14)
            target_compile_options(lw_warnings INTERFACE
                "$<$<CONFIG:Release,MinSizeRel>:-Wno-error=restrict;-Wno-error=null-dereference>")
        endif()
    endif()
endif()
