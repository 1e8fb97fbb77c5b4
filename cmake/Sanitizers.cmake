# LW_SANITIZE=address,undefined or thread: instruments every target.
if(LW_SANITIZE)
    if(MSVC)
        message(FATAL_ERROR "LW_SANITIZE is supported with GCC and Clang only")
    endif()
    set(_lw_san "-fsanitize=${LW_SANITIZE}" -fno-omit-frame-pointer -fno-sanitize-recover=all)
    add_compile_options(${_lw_san} -g)
    add_link_options(${_lw_san})
endif()
