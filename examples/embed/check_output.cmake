# Runs the embedding example (PROGRAM) from the working directory and compares
# what it prints with EXPECTED, exactly except for the rule line numbers
# (`.docket:164` becomes `.docket:N` on both sides): the scenario tests pin
# those; this test checks that embedding works and what the program shows.
#   cmake -DPROGRAM=build/docket_embed_example -DEXPECTED=examples/embed/expected_output.txt \
#         -P examples/embed/check_output.cmake
execute_process(COMMAND ${PROGRAM}
                OUTPUT_VARIABLE actual ERROR_VARIABLE errors RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${PROGRAM} exited with ${status}:\n${errors}")
endif()
file(READ ${EXPECTED} expected)
string(REGEX REPLACE "\\.docket:[0-9]+" ".docket:N" actual "${actual}")
string(REGEX REPLACE "\\.docket:[0-9]+" ".docket:N" expected "${expected}")
if(NOT actual STREQUAL expected)
  message(FATAL_ERROR "the output differs from ${EXPECTED}\n--- expected\n${expected}--- actual\n${actual}")
endif()
