# fovea_add_backend_module(TARGET SOURCES src... [LIBRARIES lib...] [OUTPUT_DIRECTORY dir]
#                          [ABI version])
# A backend as a loadable module (engine/backends/backend_module.h): its own private copy of the
# engine, hidden symbols but the two entry points (FOVEA_BACKEND_MODULE in its source), bound to
# itself, so a program loading it shares nothing with it but the Backend interface. ABI defaults
# to FOVEA_MODULE_ABI (cmake/FoveaModuleAbi.cmake), which the loader requires.
function(fovea_add_backend_module target)
  cmake_parse_arguments(ARG "" "OUTPUT_DIRECTORY;ABI" "SOURCES;LIBRARIES" ${ARGN})
  if(NOT ARG_ABI)
    set(ARG_ABI ${FOVEA_MODULE_ABI})
  endif()
  add_library(${target} MODULE ${ARG_SOURCES})
  target_include_directories(${target} PRIVATE ${PROJECT_SOURCE_DIR})
  target_link_libraries(${target} PRIVATE ${ARG_LIBRARIES} fovea_engine)
  target_compile_definitions(${target} PRIVATE FOVEA_MODULE_ABI="${ARG_ABI}")
  set_target_properties(${target} PROPERTIES CXX_VISIBILITY_PRESET hidden
                                             VISIBILITY_INLINES_HIDDEN ON)
  if(ARG_OUTPUT_DIRECTORY)
    set_target_properties(${target} PROPERTIES LIBRARY_OUTPUT_DIRECTORY ${ARG_OUTPUT_DIRECTORY})
  endif()
  target_link_options(${target} PRIVATE -Wl,--exclude-libs,ALL -Wl,-Bsymbolic -Wl,--as-needed)
  # Clang's sanitizer runtimes live in the program, so a sanitized module has undefined symbols.
  if(NOT (FOVEA_SANITIZERS AND CMAKE_CXX_COMPILER_ID STREQUAL "Clang"))
    target_link_options(${target} PRIVATE -Wl,--no-undefined)
  endif()
endfunction()
