# Uses an installed docket as an outside project would (ctest: install_and_find_package):
#
#  1. `cmake --install` the build into a fresh prefix under WORK_DIR;
#  2. checks the installed headers: every project include resolves inside the installed tree,
#     and no header includes a library docket uses privately (PEGTL, nlohmann-json, SQLite,
#     toml++, CLI11);
#  3. configures examples/embed on its own with CMAKE_PREFIX_PATH=<prefix> (find_package(docket)),
#     with warnings as errors and the installed headers not treated as system headers, builds
#     it, runs it from the source folder and compares its output with
#     examples/embed/expected_output.txt (examples/embed/check_output.cmake);
#  4. compiles tests/install/pkg_config_main.cpp with nothing but
#     `pkg-config --cflags --libs docket`, runs it and compares its output with
#     tests/install/pkg_config_expected.txt.
#
# Only the two programs are compiled, with the build's compiler and launcher (ccache).
#
#   cmake -DBUILD_DIR=build -DSOURCE_DIR=. -DWORK_DIR=build/install-test -DCONFIG=Debug
#         -DGENERATOR=Ninja -DMAKE_PROGRAM=/usr/bin/ninja -DCXX=/usr/bin/c++ -DLAUNCHER=ccache
#         -DPKG_CONFIG=/usr/bin/pkg-config -P tests/install/install_test.cmake
cmake_minimum_required(VERSION 3.25)

foreach(required BUILD_DIR SOURCE_DIR WORK_DIR GENERATOR CXX PKG_CONFIG)
  if(NOT DEFINED ${required} OR "${${required}}" STREQUAL "")
    message(FATAL_ERROR "install_test.cmake: -D${required}=... is missing")
  endif()
endforeach()

foreach(dir BUILD_DIR SOURCE_DIR WORK_DIR)
  get_filename_component(${dir} "${${dir}}" ABSOLUTE)
endforeach()

# Runs a command and fails the test with its output when it fails.
#   run(<what> [OUTPUT <var>] [WORKING_DIRECTORY <dir>] COMMAND <command>...)
function(run what)
  cmake_parse_arguments(RUN "" "OUTPUT;WORKING_DIRECTORY" "COMMAND" ${ARGN})
  if(NOT RUN_WORKING_DIRECTORY)
    set(RUN_WORKING_DIRECTORY ${WORK_DIR})
  endif()
  execute_process(COMMAND ${RUN_COMMAND} WORKING_DIRECTORY ${RUN_WORKING_DIRECTORY}
                  RESULT_VARIABLE status OUTPUT_VARIABLE output ERROR_VARIABLE errors)
  if(NOT status EQUAL 0)
    list(JOIN RUN_COMMAND " " command)
    message(FATAL_ERROR "${what} failed (${status}):\n${command}\n${output}${errors}")
  endif()
  if(RUN_OUTPUT)
    set(${RUN_OUTPUT} "${output}" PARENT_SCOPE)
  endif()
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

# 1. Install.
set(install_command ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix})
if(CONFIG)
  list(APPEND install_command --config ${CONFIG})
endif()
run("cmake --install" COMMAND ${install_command})

# 2. The installed headers.
set(include_root ${prefix}/include/docket)
foreach(public docket.h rules.h engine.h events.h journal.h store.h)
  if(NOT EXISTS ${include_root}/docket/${public})
    message(FATAL_ERROR "docket/${public} is not installed in ${include_root}")
  endif()
endforeach()
file(GLOB_RECURSE installed_headers RELATIVE ${include_root} ${include_root}/*.h)
list(LENGTH installed_headers header_count)
set(problems)
foreach(header IN LISTS installed_headers)
  get_filename_component(beside ${include_root}/${header} DIRECTORY)
  file(STRINGS ${include_root}/${header} includes REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS includes)
    if(line MATCHES "[<\"](tao/|nlohmann/|sqlite3\\.h|toml\\+\\+/|CLI/)")
      string(STRIP "${line}" line)
      list(APPEND problems "${header}: includes a library docket keeps private: ${line}")
    elseif(line MATCHES "\"([^\"]+)\"")
      set(included ${CMAKE_MATCH_1})
      if(NOT EXISTS ${beside}/${included} AND NOT EXISTS ${include_root}/${included})
        list(APPEND problems "${header}: includes \"${included}\", which is not installed")
      endif()
    endif()
  endforeach()
endforeach()
if(problems)
  list(JOIN problems "\n" problems)
  message(FATAL_ERROR "the installed headers in ${include_root}:\n${problems}")
endif()

# The same compiler, and ccache when the build uses it.
set(launcher_args)
if(LAUNCHER)
  set(launcher_args -DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER})
endif()
set(make_program_args)
if(MAKE_PROGRAM)
  set(make_program_args -DCMAKE_MAKE_PROGRAM=${MAKE_PROGRAM})
endif()
set(warnings -Wall -Wextra -Wpedantic -Werror)

# 3. examples/embed as an outside project.
set(embed_build ${WORK_DIR}/embed)
list(JOIN warnings " " warning_flags)
run("configuring examples/embed against the installed docket"
    COMMAND ${CMAKE_COMMAND} -S ${SOURCE_DIR}/examples/embed -B ${embed_build} -G ${GENERATOR} ${make_program_args}
            -DCMAKE_CXX_COMPILER=${CXX} ${launcher_args} -DCMAKE_BUILD_TYPE= "-DCMAKE_CXX_FLAGS=${warning_flags}"
            -DCMAKE_NO_SYSTEM_FROM_IMPORTED=ON -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF)
# The package found must be the one just installed.
file(STRINGS ${embed_build}/CMakeCache.txt docket_dir REGEX "^docket_DIR:")
string(REGEX REPLACE "^docket_DIR:[A-Z]+=" "" docket_dir "${docket_dir}")
file(REAL_PATH "${docket_dir}" docket_dir)
file(REAL_PATH "${prefix}" real_prefix)
string(FIND "${docket_dir}" "${real_prefix}/" at)
if(NOT at EQUAL 0)
  message(FATAL_ERROR "find_package(docket) found ${docket_dir}, not the package installed in ${prefix}")
endif()
run("building examples/embed against the installed docket" COMMAND ${CMAKE_COMMAND} --build ${embed_build})
run("examples/embed built against the installed docket" WORKING_DIRECTORY ${SOURCE_DIR}
    COMMAND ${CMAKE_COMMAND} -DPROGRAM=${embed_build}/docket_embed_example
            -DEXPECTED=${SOURCE_DIR}/examples/embed/expected_output.txt
            -P ${SOURCE_DIR}/examples/embed/check_output.cmake)

# 4. A program built with pkg-config's flags.
file(GLOB_RECURSE pc_file ${prefix}/docket.pc)
if(NOT pc_file)
  message(FATAL_ERROR "docket.pc is not installed in ${prefix}")
endif()
get_filename_component(pc_dir "${pc_file}" DIRECTORY)
run("pkg-config --cflags --libs docket" OUTPUT pc_flags
    COMMAND ${CMAKE_COMMAND} -E env PKG_CONFIG_PATH=${pc_dir} ${PKG_CONFIG} --cflags --libs docket)
separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
set(program ${WORK_DIR}/pkg_config_main)
run("compiling tests/install/pkg_config_main.cpp with pkg-config's flags"
    COMMAND ${LAUNCHER} ${CXX} -std=c++20 ${warnings} ${SOURCE_DIR}/tests/install/pkg_config_main.cpp ${pc_flags}
            -o ${program})
file(MAKE_DIRECTORY ${WORK_DIR}/run)
run("the program built with pkg-config's flags" OUTPUT actual WORKING_DIRECTORY ${WORK_DIR}/run COMMAND ${program})
file(READ ${SOURCE_DIR}/tests/install/pkg_config_expected.txt expected)
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "pkg_config_main printed something else\n--- expected\n${expected}--- actual\n${actual}")
endif()

message(STATUS "installed ${header_count} headers into ${include_root}; examples/embed and pkg_config_main ran")
