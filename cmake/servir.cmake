# Warnings for our own code only (third-party headers come in as SYSTEM).
set(SERVIR_WARNINGS -Wall -Wextra -Werror -Wno-missing-field-initializers)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  # GCC 12 at -O3 reports false "may be used uninitialized" inside std::variant
  # and std::optional of strings (GCC bugs 105562, 107138).
  list(APPEND SERVIR_WARNINGS -Wno-maybe-uninitialized)
endif()

# servir_layer(NAME DEPS <lower layers...> [LIBS <external libs...>])
# One static library per layer of docs/ARCHITECTURE.md. Sources are every .cpp
# under src/NAME (subfolders included). A layer links only the layers named in
# DEPS, which must all be below it; scripts/check-layers.sh enforces the
# include direction in `make lint`.
function(servir_layer NAME)
  cmake_parse_arguments(ARG "" "" "DEPS;LIBS" ${ARGN})
  file(GLOB_RECURSE sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*.cpp")
  if(NOT sources)
    message(STATUS "layer ${NAME}: no sources yet, skipped")
    return()
  endif()
  add_library(servir_${NAME} STATIC ${sources})
  target_include_directories(servir_${NAME} PUBLIC "${PROJECT_SOURCE_DIR}/src")
  target_compile_options(servir_${NAME} PRIVATE ${SERVIR_WARNINGS})
  foreach(dep IN LISTS ARG_DEPS)
    target_link_libraries(servir_${NAME} PUBLIC servir_${dep})
  endforeach()
  target_link_libraries(servir_${NAME} PUBLIC ${ARG_LIBS})
endfunction()

# Test sources are most of the build (GoogleTest, JSON and Beast templates
# in every file) and run for seconds: in release they are compiled for build
# speed (-O1, no debug info; a failing test is re-run in the sanitizer build
# for frames). The code under test keeps the build's own flags.
set(SERVIR_TEST_FLAGS)
if(CMAKE_BUILD_TYPE STREQUAL "Release")
  set(SERVIR_TEST_FLAGS -O1 -g0)
endif()

# servir_test(LAYER DEPS <libs...>): one GoogleTest binary per layer from
# tests/LAYER/*.cpp; each test case becomes its own CTest test so that
# GTEST_SKIP shows up as "Skipped" in CTest's summary.
include(GoogleTest)
function(servir_test LAYER)
  cmake_parse_arguments(ARG "" "" "DEPS" ${ARGN})
  file(GLOB sources CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/${LAYER}/*.cpp")
  if(NOT sources)
    return()
  endif()
  add_executable(test_${LAYER} ${sources})
  target_compile_options(test_${LAYER} PRIVATE ${SERVIR_WARNINGS} ${SERVIR_TEST_FLAGS})
  target_include_directories(test_${LAYER} PRIVATE "${CMAKE_CURRENT_SOURCE_DIR}")
  target_link_libraries(test_${LAYER} PRIVATE ${ARG_DEPS} servir_testing GTest::gtest GTest::gtest_main GTest::gmock)
  # Tests that drive the CLI need the binary built first.
  add_dependencies(test_${LAYER} servir)
  # One ENVIRONMENT entry only: gtest_discover_tests flattens PROPERTIES
  # into a list, so a second "VAR=value" after a ';' would become a property
  # name and swallow TIMEOUT. The tests find the binary in the build folder
  # without SERVIR_BINARY (tests/testing/test_paths.cpp).
  gtest_discover_tests(test_${LAYER}
    DISCOVERY_MODE PRE_TEST
    DISCOVERY_TIMEOUT 60
    PROPERTIES
      SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
      ENVIRONMENT "SERVIR_SHARED_DIR=${PROJECT_SOURCE_DIR}/../shared"
      TIMEOUT 300)
endfunction()
