# One INTERFACE target carrying the project's warning flags; every target links it.
add_library(ng_warnings INTERFACE)
target_compile_options(ng_warnings INTERFACE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor)
if(NG_WARNINGS_AS_ERRORS)
  target_compile_options(ng_warnings INTERFACE -Werror)
endif()
