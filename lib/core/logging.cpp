// Logging set-up shared by both tools: coloured on a terminal, plain lines elsewhere, and
// syslog priority prefixes when stderr is systemd's journal.
#include "core/logging.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <spdlog/cfg/env.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

namespace ng {

namespace {

// systemd sets JOURNAL_STREAM to "DEVICE:INODE" of the stream it connected to the journal;
// stderr is that stream only when they match (a child whose stderr was redirected
// inherits the variable but not the stream).
bool stderrIsJournal() {
    const char* stream = std::getenv("JOURNAL_STREAM");
    if (stream == nullptr || *stream == '\0') return false;
    struct stat st {};
    if (::fstat(STDERR_FILENO, &st) != 0) return false;
    const std::string expected =
        std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    return expected == stream;
}

// The "<N>" prefix of sd-daemon(3): journald strips it and files the line at priority N,
// so `journalctl -p` filters by level and shows errors highlighted.
class SyslogPriorityFlag : public spdlog::custom_flag_formatter {
public:
    void format(const spdlog::details::log_msg& msg, const std::tm&,
                spdlog::memory_buf_t& dest) override {
        char prefix[] = "<6>";
        prefix[1] = priorityDigit(msg.level);
        dest.append(prefix, prefix + 3);
    }

    std::unique_ptr<custom_flag_formatter> clone() const override {
        return std::make_unique<SyslogPriorityFlag>();
    }

private:
    static char priorityDigit(spdlog::level::level_enum level) {
        switch (level) {
        case spdlog::level::critical: return '2';
        case spdlog::level::err: return '3';
        case spdlog::level::warn: return '4';
        case spdlog::level::info: return '6';
        default: return '7';
        }
    }
};

}  // namespace

void configureLogging(const std::string& toolName, const std::string& level) {
    // Colours only when stderr is a terminal that shows them: never escape codes in a
    // file, a pipe or the journal.
    auto logger = spdlog::stderr_color_mt(toolName, spdlog::color_mode::automatic);
    if (stderrIsJournal()) {
        // The journal names the tool already (its syslog identifier).
        auto formatter = std::make_unique<spdlog::pattern_formatter>();
        formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%v");
        logger->set_formatter(std::move(formatter));
    } else {
        logger->set_pattern("%n: [%^%l%$] %v");
    }
    spdlog::set_default_logger(logger);
    if (level.empty()) {
        spdlog::set_level(spdlog::level::info);
        spdlog::cfg::load_env_levels();  // honours SPDLOG_LEVEL, as spdlog users expect
    } else {
        spdlog::set_level(spdlog::level::from_str(level));
    }
}

}  // namespace ng
