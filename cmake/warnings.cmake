# Strict warnings accepted by both gcc 12 and clang 14 (checked on Debian bookworm).
set(NVKV_WARNINGS
  -Wall -Wextra -Wpedantic -Wshadow -Wstrict-prototypes -Wmissing-prototypes
  -Wold-style-definition -Wpointer-arith -Wformat=2 -Wimplicit-fallthrough -Wundef -Wvla
  -Wcast-qual -Wwrite-strings -Wmissing-declarations -Wredundant-decls -Wnull-dereference)
if(CMAKE_C_COMPILER_ID STREQUAL "GNU")
  # gcc-only: clang 14 rejects these names, which -Werror would make fatal.
  list(APPEND NVKV_WARNINGS -Wjump-misses-init -Wlogical-op -Wduplicated-cond)
endif()
if(NVKV_WERROR)
  list(APPEND NVKV_WARNINGS -Werror)
endif()
add_compile_options(${NVKV_WARNINGS})
