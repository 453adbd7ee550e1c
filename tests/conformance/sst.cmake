# SingleStepTests, 80286 real mode: vmlab's CPU against register and memory states
# captured from a real 80286, one instruction at a time (cpu/conformance/sst_runner.h,
# docs/CONFORMANCE.md). Included by tests/conformance/CMakeLists.txt.
#
# The bar is 99.5% of the tests, not all of them: a few real-mode corners differ between
# the 286 that was captured and our 386-class CPU, and each one is settled with the SDM
# rather than by imitating the 286.
#
# The suite lives outside the repository (../shared). When it is missing at configure
# time the test is registered but disabled, so ctest lists it as not run rather than
# failed; if the folder disappears later, the runner's "no SingleStepTests files" error
# marks the test skipped.
get_filename_component(VMLAB_SST_80286_DIR
                       ${CMAKE_SOURCE_DIR}/../shared/conformance/sst-80286 ABSOLUTE)

add_test(NAME conformance_sst_80286
         COMMAND $<TARGET_FILE:vmlab> conformance sst --min-pass-rate 99.5 ${VMLAB_SST_80286_DIR})
set_tests_properties(conformance_sst_80286 PROPERTIES
  LABELS conformance
  TIMEOUT 900
  SKIP_REGULAR_EXPRESSION "no SingleStepTests files")

if(NOT IS_DIRECTORY ${VMLAB_SST_80286_DIR})
  message(STATUS "SingleStepTests 80286 not found at ${VMLAB_SST_80286_DIR}: "
                 "conformance_sst_80286 is disabled")
  set_tests_properties(conformance_sst_80286 PROPERTIES DISABLED TRUE)
endif()
