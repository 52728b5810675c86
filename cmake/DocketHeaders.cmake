# The headers an installed include tree needs: the public headers and every
# project header they include, directly or through one another.
#
#   docket_header_closure(<out-var> SEARCH <dir>... HEADERS <header>...)
#
# Follows each `#include "path"` the way the compiler looks it up: beside the
# including file first, then in the SEARCH directories in order. An include
# that resolves to no file there is a library's (<string>, <boost/...>) and is
# not followed. Sets <out-var> to a list of `relative-path=absolute-file`
# entries, the relative path being where the header lies below the include
# root (`docket/engine.h`, `engine/runtime/engine.h`), which is where it has to
# be installed. Every file read is added to the configure dependencies, so a
# changed include re-runs CMake and the installed set follows it.
function(docket_header_closure out_var)
  cmake_parse_arguments(CLOSURE "" "" "SEARCH;HEADERS" ${ARGN})
  set(pending)
  foreach(header IN LISTS CLOSURE_HEADERS)
    get_filename_component(header "${header}" ABSOLUTE)
    list(APPEND pending "${header}")
  endforeach()
  set(seen)
  set(entries)
  while(pending)
    list(POP_FRONT pending file)
    if(file IN_LIST seen)
      continue()
    endif()
    list(APPEND seen "${file}")
    set(relative)
    foreach(dir IN LISTS CLOSURE_SEARCH)
      cmake_path(IS_PREFIX dir "${file}" NORMALIZE inside)
      if(inside)
        file(RELATIVE_PATH relative "${dir}" "${file}")
        break()
      endif()
    endforeach()
    if(NOT relative)
      message(FATAL_ERROR "docket_header_closure: ${file} lies in none of ${CLOSURE_SEARCH}")
    endif()
    list(APPEND entries "${relative}=${file}")
    set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${file}")

    file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include[ \t]*\"[^\"]+\"")
    get_filename_component(beside "${file}" DIRECTORY)
    foreach(line IN LISTS lines)
      string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]*\"([^\"]+)\".*$" "\\1" included "${line}")
      set(found)
      foreach(dir IN ITEMS "${beside}" ${CLOSURE_SEARCH})
        if(EXISTS "${dir}/${included}" AND NOT IS_DIRECTORY "${dir}/${included}")
          cmake_path(SET found NORMALIZE "${dir}/${included}")
          break()
        endif()
      endforeach()
      if(found)
        list(APPEND pending "${found}")
      endif()
    endforeach()
  endwhile()
  list(SORT entries)
  set(${out_var} "${entries}" PARENT_SCOPE)
endfunction()
