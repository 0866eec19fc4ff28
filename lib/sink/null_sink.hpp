// NullSink: accepts every frame and does nothing with it (-o null), for benchmarks and
// headless runs.
#pragma once

#include <string>

#include "sink/sink.hpp"

namespace ng::sink {

class NullSink : public Sink {
public:
    void open(const StreamInfo& /*info*/) override {}
    bool write(const Frame& /*frame*/) override { return true; }
    void close() override {}
    bool writesInstantly() const override { return true; }
    bool takesJpeg() const override { return true; }
    std::string describe() const override { return "null"; }
};

}  // namespace ng::sink
