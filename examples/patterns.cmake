# examples/patterns.cmake — the pattern examples (A-D) and the KB query engine, each built and
# run as a ctest with small sizes. Included from examples/CMakeLists.txt.
if(TARGET pmsync)
  foreach(_ex pattern_a_queries pattern_b_reasoning pattern_c_construction pattern_d_live
              kb_query_engine)
    add_executable(${_ex} ${CMAKE_CURRENT_LIST_DIR}/${_ex}.c)
    target_link_libraries(${_ex} PRIVATE pmsync Threads::Threads)
  endforeach()
  if(BUILD_TESTING)
    add_test(NAME example_pattern_a_queries COMMAND pattern_a_queries 2 5000)
    add_test(NAME example_pattern_b_reasoning COMMAND pattern_b_reasoning 2 1000)
    add_test(NAME example_pattern_c_construction COMMAND pattern_c_construction 2 2000)
    add_test(NAME example_pattern_d_live_epoch COMMAND pattern_d_live 1 500 epoch)
    add_test(NAME example_pattern_d_live_hp COMMAND pattern_d_live 1 500 hp)
    add_test(NAME example_kb_query_engine COMMAND kb_query_engine 2 60 urcu-memb)
    set_tests_properties(example_pattern_a_queries example_pattern_b_reasoning
      example_pattern_c_construction example_pattern_d_live_epoch example_pattern_d_live_hp
      example_kb_query_engine PROPERTIES TIMEOUT 120 LABELS examples
      ENVIRONMENT "ASAN_OPTIONS=detect_leaks=1:abort_on_error=1;TSAN_OPTIONS=halt_on_error=1:suppressions=${PROJECT_SOURCE_DIR}/tests/tsan.supp")
  endif()
endif()
