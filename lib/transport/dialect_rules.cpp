// Which messaging patterns and modes each --wire dialect has, and which end binds.
#include <spdlog/fmt/fmt.h>

#include "core/errors.hpp"
#include "transport/channel.hpp"

namespace ng::transport {

void requireDialectPattern(const ChannelConfig& config) {
    const char* name = wire::dialectName(config.dialect);
    switch (config.dialect) {
        case wire::DialectKind::NetGearAsync:
            return;
        case wire::DialectKind::ImageZmq:
            if (config.pattern != Pattern::ReqRep && config.pattern != Pattern::PubSub) {
                throw UsageError(fmt::format(
                    "--wire {} has no {} pattern: imagezmq speaks REQ/REP (--pattern 1) and "
                    "PUB/SUB (--pattern 2)",
                    name, patternName(config.pattern)));
            }
            if (config.bidirectional) {
                throw UsageError(
                    "--wire imagezmq has no bidirectional mode: drop --bidirectional (the hub's "
                    "answer is always \"OK\")");
            }
            return;
        case wire::DialectKind::NetGear:
            if (config.pattern == Pattern::PushPull) {
                throw UsageError(
                    "--wire netgear has no PUSH/PULL pattern: NetGear speaks PAIR (--pattern "
                    "0), REQ/REP (--pattern 1) and PUB/SUB (--pattern 2)");
            }
            return;
    }
}

bool senderBindsByDefault(wire::DialectKind dialect, Pattern pattern) {
    return dialect == wire::DialectKind::ImageZmq && pattern == Pattern::PubSub;
}

}  // namespace ng::transport
