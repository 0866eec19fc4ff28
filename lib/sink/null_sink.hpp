// NullSink: accepts and counts frames (-o null), for benchmarks and headless runs.
#pragma once

#include <cstdint>
#include <string>

#include "sink/sink.hpp"

namespace ng::sink {

class NullSink : public Sink {
public:
    void open(const StreamInfo& info) override { info_ = info; }
    bool write(const Frame& /*frame*/) override {
        ++frames_;
        return true;
    }
    void close() override {}
    bool writesInstantly() const override { return true; }
    bool takesJpeg() const override { return true; }
    std::string describe() const override { return "null"; }

    std::uint64_t frames() const { return frames_; }

private:
    StreamInfo info_;
    std::uint64_t frames_ = 0;
};

}  // namespace ng::sink
