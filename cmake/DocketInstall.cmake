# `cmake --install`: docket as a library for other programs (docs/embedding.md).
#
#   <prefix>/include/docket/         the include root: -I<prefix>/include/docket
#     docket/*.h                       the public headers (include/docket/)
#     engine/**/*.h                    the engine headers they include, at the same relative paths
#   <prefix>/<libdir>/libdocket_*.a  the libraries behind docket::docket
#   <prefix>/<libdir>/cmake/docket/  docketConfig.cmake, docketConfigVersion.cmake, docketTargets*.cmake
#   <prefix>/<libdir>/pkgconfig/docket.pc
#
# The include root is a folder of its own so that the engine's folder names
# (engine/, ...) do not land in <prefix>/include beside other libraries'.
# Only the headers the public headers include, directly or not, are
# installed; the list is computed from the #include lines at configure time
# (DocketHeaders.cmake). Included at the end of the top CMakeLists.txt, once
# every target and link option is known.

include(GNUInstallDirs)
include(CMakePackageConfigHelpers)
include(${CMAKE_CURRENT_LIST_DIR}/DocketHeaders.cmake)

set(DOCKET_INSTALL_INCLUDEDIR ${CMAKE_INSTALL_INCLUDEDIR}/docket)
set(DOCKET_INSTALL_CMAKEDIR ${CMAKE_INSTALL_LIBDIR}/cmake/docket)
# In link order: each library before those it uses.
set(DOCKET_INSTALLED_LIBRARIES docket_embed docket_dsl docket_audit docket_store docket_codec docket_runtime
                               docket_model)

# A build with sanitizers (DOCKET_SANITIZE, DOCKET_TSAN) installs instrumented
# libraries: a program linking them needs the sanitizers' runtime too.
get_directory_property(DOCKET_LINK_OPTIONS LINK_OPTIONS)
if(DOCKET_LINK_OPTIONS)
  target_link_options(docket_library INTERFACE ${DOCKET_LINK_OPTIONS})
endif()

# Libraries: docket::embed, docket::dsl, docket::model, ... and docket::engine,
# docket::docket over them; static libraries carry their dependencies along.
foreach(library IN LISTS DOCKET_INSTALLED_LIBRARIES)
  string(REGEX REPLACE "^docket_" "" export_name ${library})
  set_target_properties(${library} PROPERTIES EXPORT_NAME ${export_name})
endforeach()
set_target_properties(docket_engine PROPERTIES EXPORT_NAME engine)
install(TARGETS ${DOCKET_INSTALLED_LIBRARIES} docket_engine docket_library
        EXPORT docketTargets
        ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
        LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
        RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
        INCLUDES DESTINATION ${DOCKET_INSTALL_INCLUDEDIR})
install(EXPORT docketTargets NAMESPACE docket:: DESTINATION ${DOCKET_INSTALL_CMAKEDIR})

# Headers: the public ones and what they include.
file(GLOB DOCKET_PUBLIC_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/docket/*.h)
docket_header_closure(DOCKET_INSTALLED_HEADERS SEARCH ${PROJECT_SOURCE_DIR}/include ${PROJECT_SOURCE_DIR}
                      HEADERS ${DOCKET_PUBLIC_HEADERS})
foreach(entry IN LISTS DOCKET_INSTALLED_HEADERS)
  string(FIND "${entry}" "=" split)
  string(SUBSTRING "${entry}" 0 ${split} relative)
  math(EXPR split "${split} + 1")
  string(SUBSTRING "${entry}" ${split} -1 file)
  get_filename_component(folder "${relative}" DIRECTORY)
  install(FILES "${file}" DESTINATION ${DOCKET_INSTALL_INCLUDEDIR}/${folder})
endforeach()

# The CMake package: find_package(docket) finds what the libraries link
# (find_dependency), then imports the targets.
configure_package_config_file(${CMAKE_CURRENT_LIST_DIR}/docketConfig.cmake.in
                              ${PROJECT_BINARY_DIR}/package/docketConfig.cmake
                              INSTALL_DESTINATION ${DOCKET_INSTALL_CMAKEDIR})
write_basic_package_version_file(${PROJECT_BINARY_DIR}/package/docketConfigVersion.cmake
                                 VERSION ${PROJECT_VERSION} COMPATIBILITY SameMajorVersion)
install(FILES ${PROJECT_BINARY_DIR}/package/docketConfig.cmake ${PROJECT_BINARY_DIR}/package/docketConfigVersion.cmake
        DESTINATION ${DOCKET_INSTALL_CMAKEDIR})

# The pkg-config file. Its prefix is found from where the file lies
# (${pcfiledir}), so `cmake --install --prefix` may choose another prefix
# than the one configured. Static libraries (the default) leave what they use
# to every program that links them (Requires, Libs); shared ones
# (BUILD_SHARED_LIBS) bring it along and leave it to static links only
# (Requires.private, Libs.private).
list(TRANSFORM DOCKET_INSTALLED_LIBRARIES PREPEND -l OUTPUT_VARIABLE DOCKET_PC_LIBS)
list(JOIN DOCKET_PC_LIBS " " DOCKET_PC_LIBS)
# date-tz has no pkg-config file of its own.
get_target_property(DOCKET_DATE_TZ date::date-tz LOCATION)
get_filename_component(DOCKET_DATE_TZ_DIR "${DOCKET_DATE_TZ}" DIRECTORY)
set(DOCKET_PC_DEPENDENCY_LIBS -ldate-tz ${CMAKE_THREAD_LIBS_INIT} ${DOCKET_LINK_OPTIONS})
if(NOT DOCKET_DATE_TZ_DIR IN_LIST CMAKE_CXX_IMPLICIT_LINK_DIRECTORIES)
  list(PREPEND DOCKET_PC_DEPENDENCY_LIBS -L${DOCKET_DATE_TZ_DIR})
endif()
list(JOIN DOCKET_PC_DEPENDENCY_LIBS " " DOCKET_PC_DEPENDENCY_LIBS)
set(DOCKET_PC_DEPENDENCIES "spdlog sqlite3 libpq libcrypto libutf8proc")
if(BUILD_SHARED_LIBS)
  set(DOCKET_PC_REQUIRES "")
  set(DOCKET_PC_REQUIRES_PRIVATE "${DOCKET_PC_DEPENDENCIES}")
  set(DOCKET_PC_LIBS_PRIVATE "${DOCKET_PC_DEPENDENCY_LIBS}")
else()
  set(DOCKET_PC_REQUIRES "${DOCKET_PC_DEPENDENCIES}")
  set(DOCKET_PC_REQUIRES_PRIVATE "")
  string(APPEND DOCKET_PC_LIBS " ${DOCKET_PC_DEPENDENCY_LIBS}")
  set(DOCKET_PC_LIBS_PRIVATE "")
endif()
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}" OR IS_ABSOLUTE "${CMAKE_INSTALL_INCLUDEDIR}")
  message(FATAL_ERROR "docket installs with relative CMAKE_INSTALL_LIBDIR and CMAKE_INSTALL_INCLUDEDIR")
endif()
file(RELATIVE_PATH DOCKET_PC_PREFIX "/prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig" "/prefix")
string(REGEX REPLACE "/$" "" DOCKET_PC_PREFIX "${DOCKET_PC_PREFIX}")
configure_file(${CMAKE_CURRENT_LIST_DIR}/docket.pc.in ${PROJECT_BINARY_DIR}/package/docket.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/package/docket.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
