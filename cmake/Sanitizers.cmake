# NG_SANITIZE=address,undefined or NG_SANITIZE=thread instruments every target.
set(NG_SANITIZE "" CACHE STRING "Comma-separated sanitizers (address,undefined | thread)")
if(NG_SANITIZE)
  add_compile_options(-fsanitize=${NG_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${NG_SANITIZE})
  # Two g++ 12 false positives in headers that are not ours, seen only in these builds
  # (sanitizers, and scripts/test's -Og): -Wmaybe-uninitialized inside libstdc++'s <regex>
  # (std::function in regex's _StateT), and -Wmismatched-new-delete on msgpack-c's zone,
  # whose class operator new/delete pair malloc with free. The normal build keeps both
  # warnings, and every other warning still fails these builds.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized -Wno-mismatched-new-delete)
  endif()
endif()
