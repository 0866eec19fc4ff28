# NG_SANITIZE=address,undefined or NG_SANITIZE=thread instruments every target.
set(NG_SANITIZE "" CACHE STRING "Comma-separated sanitizers (address,undefined | thread)")
if(NG_SANITIZE)
  add_compile_options(-fsanitize=${NG_SANITIZE} -fno-omit-frame-pointer)
  add_link_options(-fsanitize=${NG_SANITIZE})
endif()
