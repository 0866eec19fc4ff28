// Loads the optional backend plugins (OpenCV videoio/highgui) on first use.
//
// Linking videoio and highgui adds hundreds of shared libraries, much memory and start-up
// time to every run, so they live in plugins that only the sources and sinks needing them
// load. A plugin links none of the library's code: it uses the loading executable's, so
// globals such as the stop flag exist once (see ng_add_plugin in lib/CMakeLists.txt).
#pragma once

#include <string>

namespace ng {

// Returns the address of `symbol` in plugin `name` (file libng_<name>.so). The plugin is
// looked up in $NG_PLUGIN_DIR, then next to the executable's ../lib/ngstream folder, then
// in the install folder. Throws std::runtime_error naming the file and the folders tried.
// A loaded plugin stays loaded for the life of the process.
void* loadPluginSymbol(const std::string& name, const char* symbol);

}  // namespace ng
