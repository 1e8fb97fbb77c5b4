# The engine must stay free of Qt: no Qt include and no Qt link. This check
# runs at configure time and fails the configuration if a Qt header appears
# in engine/. (The link side is checked by the engine target itself: it
# links nothing but the platform's socket library.)
file(GLOB_RECURSE _lw_engine_files
    "${CMAKE_CURRENT_SOURCE_DIR}/engine/*.h" "${CMAKE_CURRENT_SOURCE_DIR}/engine/*.cpp"
    "${CMAKE_CURRENT_SOURCE_DIR}/engine/CMakeLists.txt")
foreach(_f IN LISTS _lw_engine_files)
    file(STRINGS "${_f}" _hits REGEX "^[ \t]*#[ \t]*include[ \t]*[<\"]Q|Qt6::|find_package\\(Qt")
    if(_hits)
        message(FATAL_ERROR "engine/ must not use Qt, but ${_f} does:\n${_hits}")
    endif()
endforeach()
