// Shared flags -> transport::ChannelConfig, for ngsend and ngrecv alike.
#include "pipeline/channel_config.hpp"

namespace ng::pipeline {

namespace {

// "HOST:PORT" (one colon, digits after it) names its own port; anything else takes --port.
// An IPv6 literal has more colons and is left whole.
transport::Endpoint endpointOf(const cli::CommonOptions& common, bool isReceiver,
                               const std::string& address) {
    std::string host = address;
    int port = common.port;
    const std::size_t colon = address.find(':');
    const bool onePort = common.protocol == transport::Protocol::Tcp &&
                         colon != std::string::npos && colon + 1 < address.size() &&
                         address.find(':', colon + 1) == std::string::npos &&
                         address.find_first_not_of("0123456789", colon + 1) == std::string::npos;
    if (onePort && address.size() - colon - 1 <= 5) {
        host = address.substr(0, colon);
        port = std::stoi(address.substr(colon + 1));
    }
    // imagezmq's PUB sender binds and its hub connects: that end binds unless told.
    const bool swapped = transport::senderBindsByDefault(common.dialect, common.pattern) &&
                         !common.forceBind && !common.forceConnect;
    return transport::endpointFor({isReceiver, common.forceBind || (swapped && !isReceiver),
                                   common.forceConnect || (swapped && isReceiver),
                                   common.protocol, host, port});
}

}  // namespace

transport::ChannelConfig channelConfigFor(const cli::CommonOptions& common, bool isReceiver) {
    transport::ChannelConfig config;
    config.pattern = common.pattern;
    config.endpoint = endpointOf(common, isReceiver, common.address);
    for (const std::string& address : common.moreAddresses) {
        config.moreEndpoints.push_back(endpointOf(common, isReceiver, address));
    }
    config.timeout = transport::Millis(static_cast<long long>(common.timeoutSeconds * 1000));
    config.bidirectional = common.bidirectional;
    config.maxFrameBytes = common.maxFrameBytes;
    config.latest = common.latest;
    config.security = common.security;
    config.heartbeat = transport::Millis(static_cast<long long>(common.heartbeatSeconds * 1000));
    config.dialect = common.dialect;
    return config;
}

transport::ChannelConfig channelConfigFor(const cli::SendOptions& options) {
    transport::ChannelConfig config = channelConfigFor(options.common, /*isReceiver=*/false);
    config.senderName = options.name;
    return config;
}

}  // namespace ng::pipeline
