# Helpers for the test tree.

# poort_add_unit(NAME SOURCES... LIBS ...): a unit test binary run by ctest
# from its own source directory (so vectors are found by relative path).
function(poort_add_unit name)
  cmake_parse_arguments(U "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${U_SOURCES})
  target_link_libraries(${name} PRIVATE ${U_LIBS})
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests/unit)
  add_test(NAME ${name} COMMAND ${name} WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 120)
endfunction()

# poort_add_fuzz(NAME SOURCES... LIBS ... CORPUS dir [SECONDS n]):
# with clang a libFuzzer binary that ctest runs briefly from the seed corpus;
# otherwise the harness runs once over every seed.
function(poort_add_fuzz name)
  cmake_parse_arguments(F "" "CORPUS;SECONDS" "SOURCES;LIBS" ${ARGN})
  if(NOT F_SECONDS)
    set(F_SECONDS 20)
  endif()
  if(POORT_LIBFUZZER)
    add_executable(${name} ${F_SOURCES})
    target_compile_options(${name} PRIVATE -fsanitize=fuzzer)
    target_link_options(${name} PRIVATE -fsanitize=fuzzer)
    # new inputs go to the build tree; the seed corpus in git stays as it is
    set(_out ${CMAKE_CURRENT_BINARY_DIR}/${name}-corpus)
    file(MAKE_DIRECTORY ${_out})
    add_test(NAME ${name}
      COMMAND ${name} -max_total_time=${F_SECONDS} -timeout=10 -rss_limit_mb=2048
              -print_final_stats=1 ${_out} ${F_CORPUS})
  else()
    add_executable(${name} ${F_SOURCES} ${PROJECT_SOURCE_DIR}/tests/fuzz/standalone.c)
    add_test(NAME ${name} COMMAND ${name} ${F_CORPUS})
  endif()
  target_link_libraries(${name} PRIVATE ${F_LIBS})
  set_tests_properties(${name} PROPERTIES LABELS fuzz TIMEOUT 300)
endfunction()
