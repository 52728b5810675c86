# The layer check passes on the clone and fails on a tree with a back-edge
# (the model including the audit room, the server including the cli), naming
# each offending include as `file:line: error: ...`.
#   cmake -DSOURCE_DIR=. -DWORK_DIR=build/layers -P tests/layers/check_layers.cmake
set(check ${SOURCE_DIR}/scripts/check-layers)

execute_process(COMMAND ${check} --root ${SOURCE_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "the clone breaks the layers:\n${out}${err}")
endif()

set(tree ${WORK_DIR}/backedge)
file(REMOVE_RECURSE ${tree})
file(WRITE ${tree}/engine/audit/audit_verify.h "#pragma once\n")
file(WRITE ${tree}/engine/model/value.h "#pragma once\n")
file(WRITE ${tree}/engine/model/value.cpp "#include \"engine/model/value.h\"\n\n#include \"engine/audit/audit_verify.h\"\n")
file(WRITE ${tree}/cli/replay.h "#pragma once\n")
file(WRITE ${tree}/server/service.cpp "#include \"cli/replay.h\"\n")
file(WRITE ${tree}/tests/any_test.cpp "#include \"cli/replay.h\"\n")
execute_process(COMMAND ${check} --root ${tree} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE status)
set(expected "engine/model/value.cpp:3: error: engine/model may not include engine/audit: #include \"engine/audit/audit_verify.h\"
server/service.cpp:1: error: server may not include cli: #include \"cli/replay.h\"
")
if(status EQUAL 0 OR NOT out STREQUAL expected)
  message(FATAL_ERROR "a back-edge went unreported (exit ${status}):\n--- expected\n${expected}--- actual\n${out}${err}")
endif()
