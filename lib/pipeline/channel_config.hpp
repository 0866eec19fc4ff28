// The socket settings both tools derive from their shared flags.
#pragma once

#include "cli/options.hpp"
#include "transport/channel.hpp"

namespace ng::pipeline {

// Pattern, endpoint (which end binds follows `isReceiver` and --bind/--connect), timeout,
// bidirectional mode and the largest frame accepted (--max-frame-size; for the sender,
// frames a receiver answers back).
transport::ChannelConfig channelConfigFor(const cli::CommonOptions& common, bool isReceiver);
// ngsend's: the shared settings and its --name.
transport::ChannelConfig channelConfigFor(const cli::SendOptions& options);

}  // namespace ng::pipeline
