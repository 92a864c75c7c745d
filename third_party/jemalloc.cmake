# jemalloc 5.3.0, built statically with the rkje_ symbol prefix (see third_party/README.md).
#
# Produces the IMPORTED target rk::jemalloc (libjemalloc_pic.a + include/jemalloc/
# jemalloc.h) or, when it cannot, no target and a loud warning: the runtime then uses the
# system allocator behind the same pool interface.
#
# The library is built once at configure time into a cache folder shared by every build
# folder of this checkout (third_party/.deps/, ignored), keyed by compiler and flags and
# guarded by a file lock, so eight build folders on one machine build it once.
#
# Tarball search order: third_party/.offline/jemalloc[-_]*.tar.* (the offline bundle, see
# offline.sh), third_party/.deps/jemalloc_5.3.0.orig.tar.bz2, else run fetch-jemalloc.sh
# when this is root with apt. Sanitizer builds skip jemalloc (they want the system
# allocator so the sanitizer sees every allocation).

option(RK_WITH_JEMALLOC "Build jemalloc (static, rkje_ prefix) for the host pools" ON)
set(RK_JEMALLOC_CACHE_DIR "${CMAKE_CURRENT_LIST_DIR}/.deps" CACHE PATH
    "Where the jemalloc build is cached (shared by build folders)")

set(RKJE_VERSION 5.3.0)
set(RKJE_SHA256 2db82d1e7119df3e71b7640219b6dfe84789bc0537983c3b7ac4f7189aecfeaa)
set(RKJE_CONFIGURE_FLAGS
  --with-jemalloc-prefix=rkje_ --with-private-namespace=rkje_
  --disable-initial-exec-tls --without-export --with-pic --disable-shared --disable-cxx)

function(rkje_warn)
  string(JOIN "" why ${ARGN})
  message(WARNING "\n*** ringkernel: building WITHOUT jemalloc: ${why}\n"
                  "*** Host pools fall back to the system allocator. To get jemalloc, run "
                  "third_party/fetch-jemalloc.sh as root (or third_party/offline.sh on a "
                  "machine with apt) and re-run cmake.\n")
endfunction()

function(rkje_find_tarball out)
  set(dir "${CMAKE_CURRENT_FUNCTION_LIST_DIR}")
  file(GLOB offline "${dir}/.offline/jemalloc-${RKJE_VERSION}*.tar.*"
                    "${dir}/.offline/jemalloc_${RKJE_VERSION}*.tar.*")
  set(deps "${dir}/.deps/jemalloc_${RKJE_VERSION}.orig.tar.bz2")
  if(offline)
    list(GET offline 0 found)
  elseif(EXISTS "${deps}")
    set(found "${deps}")
  else()
    execute_process(COMMAND id -u OUTPUT_VARIABLE uid OUTPUT_STRIP_TRAILING_WHITESPACE)
    find_program(RKJE_APT_GET apt-get)
    if(uid STREQUAL "0" AND RKJE_APT_GET)
      message(STATUS "ringkernel: fetching jemalloc source (third_party/fetch-jemalloc.sh)")
      execute_process(COMMAND sh "${dir}/fetch-jemalloc.sh" RESULT_VARIABLE rc TIMEOUT 300)
      if(rc EQUAL 0 AND EXISTS "${deps}")
        set(found "${deps}")
      endif()
    endif()
  endif()
  set(${out} "${found}" PARENT_SCOPE)
endfunction()

# Runs one build step, logging to build.log; returns FALSE (and a warning) on failure.
function(rkje_step ok_var dir log)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY "${dir}" RESULT_VARIABLE rc
                  OUTPUT_FILE "${log}" ERROR_FILE "${log}.err")
  if(rc EQUAL 0)
    set(${ok_var} TRUE PARENT_SCOPE)
  else()
    rkje_warn("step '${ARGN}' failed (rc ${rc}); see ${log} and ${log}.err")
    set(${ok_var} FALSE PARENT_SCOPE)
  endif()
endfunction()

function(rkje_build tarball prefix ok_var)
  set(work "${prefix}.work")
  file(REMOVE_RECURSE "${work}" "${prefix}")
  file(MAKE_DIRECTORY "${work}")
  file(SHA256 "${tarball}" sum)
  if(NOT sum STREQUAL RKJE_SHA256)
    rkje_warn("${tarball}: SHA-256 ${sum} is not the pinned ${RKJE_SHA256}")
    set(${ok_var} FALSE PARENT_SCOPE)
    return()
  endif()
  file(ARCHIVE_EXTRACT INPUT "${tarball}" DESTINATION "${work}")
  file(GLOB src "${work}/jemalloc-*")
  cmake_host_system_information(RESULT ncpu QUERY NUMBER_OF_LOGICAL_CORES)
  message(STATUS "ringkernel: building jemalloc ${RKJE_VERSION} from ${tarball} into "
                 "${prefix} (once)")
  set(env ${CMAKE_COMMAND} -E env "CC=${CMAKE_C_COMPILER}")
  rkje_step(ok "${src}" "${work}/configure.log" ${env} sh ./configure
            --prefix=${prefix} ${RKJE_CONFIGURE_FLAGS})
  if(ok)
    rkje_step(ok "${src}" "${work}/build.log" make -j${ncpu} build_lib_static)
  endif()
  if(ok)
    rkje_step(ok "${src}" "${work}/install.log" make install_include install_lib_static)
  endif()
  if(ok)
    file(REMOVE_RECURSE "${work}")
  endif()
  set(${ok_var} ${ok} PARENT_SCOPE)
endfunction()

function(rkje_setup)
  if(NOT RK_WITH_JEMALLOC)
    message(STATUS "ringkernel: jemalloc disabled (RK_WITH_JEMALLOC=OFF)")
    return()
  endif()
  if(RK_SANITIZE)
    message(STATUS "ringkernel: jemalloc skipped in sanitizer builds (system allocator)")
    return()
  endif()
  rkje_find_tarball(tarball)
  if(NOT tarball)
    rkje_warn("no jemalloc ${RKJE_VERSION} source tarball, and fetching it failed or "
              "needs root + apt")
    return()
  endif()
  string(SHA1 key "${CMAKE_C_COMPILER};${CMAKE_C_COMPILER_VERSION};${RKJE_CONFIGURE_FLAGS}")
  string(SUBSTRING "${key}" 0 12 key)
  set(prefix "${RK_JEMALLOC_CACHE_DIR}/jemalloc-${RKJE_VERSION}-${key}")
  set(lib "${prefix}/lib/libjemalloc_pic.a")
  set(header "${prefix}/include/jemalloc/jemalloc.h")
  file(MAKE_DIRECTORY "${RK_JEMALLOC_CACHE_DIR}")
  file(LOCK "${prefix}.lock" GUARD FUNCTION TIMEOUT 900 RESULT_VARIABLE lock_rc)
  if(NOT lock_rc STREQUAL "0")
    rkje_warn("could not lock ${prefix}.lock: ${lock_rc}")
    return()
  endif()
  if(NOT EXISTS "${lib}" OR NOT EXISTS "${header}")
    rkje_build("${tarball}" "${prefix}" ok)
    if(NOT ok)
      return()
    endif()
  endif()
  add_library(rk::jemalloc STATIC IMPORTED GLOBAL)
  set_target_properties(rk::jemalloc PROPERTIES
    IMPORTED_LOCATION "${lib}"
    INTERFACE_INCLUDE_DIRECTORIES "${prefix}/include"
    INTERFACE_LINK_LIBRARIES "Threads::Threads;${CMAKE_DL_LIBS};m")
  message(STATUS "ringkernel: jemalloc ${RKJE_VERSION} ${lib}")
endfunction()

find_package(Threads REQUIRED)
rkje_setup()
