# The engine's layers, lowest first. A file in engine/<layer>/ may include
# headers of its own layer and of the layers before it in this list, never of
# a later one, and always by their layered path ("engine/<layer>/X.h"). This
# check runs at configure time and fails the configuration on the first
# include that goes up a layer (or names no layer at all), naming the file,
# the include and the two layers.
#
# Also runs as a script on another tree (tests/engine/layers checks that it
# refuses an upward include):  cmake -DLW_LAYER_ROOT=DIR -P CheckEngineLayers.cmake
set(LW_ENGINE_LAYERS net asyncore program tls reactor capture replay script)
if(DEFINED LW_LAYER_ROOT)
    set(_lw_root "${LW_LAYER_ROOT}")
else()
    set(_lw_root "${CMAKE_CURRENT_SOURCE_DIR}")
endif()

set(_lw_layer_errors "")
list(LENGTH LW_ENGINE_LAYERS _lw_nlayers)
math(EXPR _lw_last "${_lw_nlayers} - 1")
foreach(_i RANGE ${_lw_last})
    list(GET LW_ENGINE_LAYERS ${_i} _lw_layer)
    file(GLOB_RECURSE _lw_layer_files
        "${_lw_root}/engine/${_lw_layer}/*.h"
        "${_lw_root}/engine/${_lw_layer}/*.cpp")
    foreach(_f IN LISTS _lw_layer_files)
        file(STRINGS "${_f}" _lw_includes REGEX "^[ \t]*#[ \t]*include[ \t]*\"engine/")
        foreach(_inc IN LISTS _lw_includes)
            string(REGEX MATCH "\"engine/([^/\"]+)/" _m "${_inc}")
            set(_target_layer "${CMAKE_MATCH_1}")
            list(FIND LW_ENGINE_LAYERS "${_target_layer}" _j)
            if(_j EQUAL -1)
                string(APPEND _lw_layer_errors "\n  ${_f}: ${_inc} (not a layer of the engine)")
            elseif(_j GREATER _i)
                string(APPEND _lw_layer_errors
                    "\n  ${_f}: ${_inc} (engine/${_lw_layer} is below engine/${_target_layer})")
            endif()
        endforeach()
    endforeach()
endforeach()
file(GLOB _lw_flat_files "${_lw_root}/engine/*.h" "${_lw_root}/engine/*.cpp")
foreach(_f IN LISTS _lw_flat_files)
    string(APPEND _lw_layer_errors "\n  ${_f}: outside every layer (put it in engine/<layer>/)")
endforeach()
if(_lw_layer_errors)
    list(JOIN LW_ENGINE_LAYERS " < " _lw_order)
    message(FATAL_ERROR "engine/ layers are ${_lw_order} (lowest first); "
        "a layer may include only its own and lower layers:${_lw_layer_errors}")
endif()
