// Shared flags -> transport::ChannelConfig, for ngsend and ngrecv alike.
#include "pipeline/channel_config.hpp"

namespace ng::pipeline {

transport::ChannelConfig channelConfigFor(const cli::CommonOptions& common, bool isReceiver) {
    transport::ChannelConfig config;
    config.pattern = common.pattern;
    config.endpoint = transport::endpointFor({isReceiver, common.forceBind, common.forceConnect,
                                              common.protocol, common.address, common.port});
    config.timeout = transport::Millis(static_cast<long long>(common.timeoutSeconds * 1000));
    config.bidirectional = common.bidirectional;
    config.maxFrameBytes = common.maxFrameBytes;
    config.latest = common.latest;
    config.security = common.security;
    return config;
}

}  // namespace ng::pipeline
