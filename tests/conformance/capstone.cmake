# Capstone as the oracle for instruction lengths: vmlab's decoder against Capstone's on
# every valid form of the opcode table (test_capstone_lengths.cpp). ctest label
# "conformance". Included from tests/conformance/CMakeLists.txt.
add_executable(vmlab_capstone_lengths ${CMAKE_CURRENT_LIST_DIR}/test_capstone_lengths.cpp)
target_link_libraries(vmlab_capstone_lengths PRIVATE vmlab_lib GTest::gtest_main PkgConfig::CAPSTONE)
vmlab_set_warnings(vmlab_capstone_lengths)
gtest_discover_tests(vmlab_capstone_lengths PROPERTIES LABELS conformance DISCOVERY_TIMEOUT 60)
