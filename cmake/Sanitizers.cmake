# NG_SANITIZE=address,undefined or NG_SANITIZE=thread instruments every target.
set(NG_SANITIZE "" CACHE STRING "Comma-separated sanitizers (address,undefined | thread)")
if(NG_SANITIZE)
  add_compile_options(-fsanitize=${NG_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${NG_SANITIZE})
  # g++ 12 with ASan/TSan reports -Wmaybe-uninitialized inside libstdc++'s <regex> and
  # <functional> (std::function in regex's _StateT), not in our code; every other warning
  # still fails the build.
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    add_compile_options(-Wno-maybe-uninitialized)
  endif()
endif()
