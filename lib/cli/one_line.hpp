// Text the tools print one line per frame (received data, replies), kept on one line.
#pragma once

#include <string>

namespace ng::cli {

// `text` with backslash, newline, carriage return and the other control characters written
// as C escapes (\\, \n, \r, \t, \x1b), so that one frame's text is one output line and
// the original can be read back from it.
std::string oneLine(const std::string& text);

}  // namespace ng::cli
