# LuaJIT from Debian's packages (libluajit2-5.1-dev, luajit2; see third_party/README.md).
# On machines without package access (the GPU machine) the same .deb files unpacked with
# `dpkg -x` into a folder are found through RK_LUAJIT_ROOT (third_party/offline.sh packs
# them into third_party/.offline/luajit).
set(RK_LUAJIT_ROOT "${CMAKE_CURRENT_LIST_DIR}/.offline/luajit" CACHE PATH
    "Folder holding an unpacked LuaJIT (usr/include/luajit-2.1, usr/lib/...)")

find_path(RK_LUAJIT_INCLUDE_DIR luajit.h
  HINTS ${RK_LUAJIT_ROOT}/usr/include
  PATH_SUFFIXES luajit-2.1)
find_library(RK_LUAJIT_LIBRARY NAMES luajit-5.1
  HINTS ${RK_LUAJIT_ROOT}/usr/lib/x86_64-linux-gnu ${RK_LUAJIT_ROOT}/usr/lib)

if(RK_LUAJIT_INCLUDE_DIR AND RK_LUAJIT_LIBRARY)
  add_library(rk::luajit UNKNOWN IMPORTED)
  set_target_properties(rk::luajit PROPERTIES
    IMPORTED_LOCATION "${RK_LUAJIT_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${RK_LUAJIT_INCLUDE_DIR}")
  message(STATUS "ringkernel: LuaJIT ${RK_LUAJIT_LIBRARY}")
else()
  message(FATAL_ERROR "LuaJIT not found: install libluajit2-5.1-dev (apt) or set "
                      "RK_LUAJIT_ROOT, or configure with -DRK_WITH_LUAJIT=OFF")
endif()
