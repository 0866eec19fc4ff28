// createFromPlugin(): calls a plugin's factory and owns what it makes, for sources and sinks.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "core/plugin_loader.hpp"

namespace ng {

// Loads `symbol` from plugin `name` as a `Factory` (a function pointer returning a new T*)
// and calls it with `args`; the caller owns the result. A plugin that cannot load throws
// std::runtime_error "<neededFor>: <why>", so the error names what asked for the plugin;
// the factory's own exceptions pass through.
template <typename Factory, typename... Args>
auto createFromPlugin(const std::string& name, const char* symbol, const std::string& neededFor,
                      Args&&... args) {
    using Product = std::remove_pointer_t<std::invoke_result_t<Factory, Args...>>;
    Factory create;
    try {
        create = reinterpret_cast<Factory>(loadPluginSymbol(name, symbol));
    } catch (const std::exception& e) {
        throw std::runtime_error(neededFor + ": " + e.what());
    }
    return std::unique_ptr<Product>(create(std::forward<Args>(args)...));
}

}  // namespace ng
