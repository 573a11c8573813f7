# Each library under agent/ exports only its own folder: a header is reachable
# as "<folder>/<name>.h" through a per-library include root that holds one
# link to that folder. A library that does not link another cannot include its
# headers, so the build enforces the layer graph (docs/ARCHITECTURE.md), and
# tests/check_layers.py names the offending line when someone tries.
function(irsa_layer target folder)
  set(root ${PROJECT_BINARY_DIR}/layer_roots/${folder})
  file(MAKE_DIRECTORY ${root})
  if(NOT EXISTS ${root}/${folder})
    file(CREATE_LINK ${PROJECT_SOURCE_DIR}/agent/${folder} ${root}/${folder} SYMBOLIC)
  endif()
  target_include_directories(${target} PUBLIC ${root})
endfunction()
