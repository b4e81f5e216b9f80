# FOVEA_MODULE_ABI: what a backend module must carry to be loaded (engine/backends/
# backend_module.h): the project version and a digest of the headers whose types cross between
# a program and a module (Backend, Kernel, KernelRequest, Tensor, Status, Graph and what they
# hold). A module built against other headers, even of the same version, is then refused with
# a message instead of being called through a different vtable. Editing one of these headers
# re-runs CMake, which recomputes the digest.
set(_fovea_abi_headers
    engine/backends/backend.h engine/core/attributes.h engine/core/dtype.h engine/core/graph.h
    engine/core/shape.h engine/core/status.h engine/core/tensor.h engine/ops/op_schema.h)
set(_fovea_abi_text "")
foreach(header IN LISTS _fovea_abi_headers)
  file(READ ${PROJECT_SOURCE_DIR}/${header} _fovea_header_text)
  string(APPEND _fovea_abi_text "${_fovea_header_text}")
  set_property(DIRECTORY ${PROJECT_SOURCE_DIR} APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS
                                                             ${PROJECT_SOURCE_DIR}/${header})
endforeach()
string(MD5 _fovea_abi_digest "${_fovea_abi_text}")
string(SUBSTRING ${_fovea_abi_digest} 0 12 _fovea_abi_digest)
set(FOVEA_MODULE_ABI "${PROJECT_VERSION}+${_fovea_abi_digest}")
