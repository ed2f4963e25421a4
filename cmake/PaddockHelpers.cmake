# Helpers shared by every CMakeLists.txt of the project: warnings, sanitizers, libraries, tests.

set(PADDOCK_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Wunused -Woverloaded-virtual
    -Wformat=2 -Wimplicit-fallthrough)

# paddock_apply_sanitizer(<'' | address | thread>): instrument every target built after it.
function(paddock_apply_sanitizer kind)
  if(kind STREQUAL "")
    return()
  elseif(kind STREQUAL "address")
    set(flags -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  elseif(kind STREQUAL "thread")
    set(flags -fsanitize=thread -fno-omit-frame-pointer)
  else()
    message(FATAL_ERROR "PADDOCK_SANITIZE must be '', 'address' or 'thread', not '${kind}'")
  endif()
  add_compile_options(${flags})
  add_link_options(${flags})
endfunction()

# paddock_add_library(<name> SOURCES ... DEPS ...): one static library per src/ module.
function(paddock_add_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(paddock_${name} STATIC ${ARG_SOURCES})
  add_library(paddock::${name} ALIAS paddock_${name})
  target_include_directories(paddock_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_compile_options(paddock_${name} PRIVATE ${PADDOCK_WARNINGS})
  target_link_libraries(paddock_${name} PUBLIC ${ARG_DEPS})
endfunction()

# paddock_add_test(<name> SOURCES ... DEPS ... [LABELS ...]): one GoogleTest executable.
function(paddock_add_test name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_compile_options(${name} PRIVATE ${PADDOCK_WARNINGS})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gtest_main)
  target_compile_definitions(${name} PRIVATE
    PADDOCK_TEST_DATA_DIR="${PROJECT_SOURCE_DIR}/tests/data"
    PADDOCK_SOURCE_DIR="${PROJECT_SOURCE_DIR}"
    PADDOCK_BINARY="$<TARGET_FILE:paddock>")
  add_dependencies(${name} paddock)
  gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
    PROPERTIES LABELS "${ARG_LABELS}" ENVIRONMENT "PADDOCK_TEST=1")
endfunction()
