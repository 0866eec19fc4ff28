// Internal to transport: what a messaging pattern decides at the receiving end.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/frame.hpp"
#include "transport/channel.hpp"

namespace ng::transport::detail {

class Channel;

// One pattern's rules at the receiving end: which answer, if any, goes back to the sender for
// each message (PatternRules::makeReceiver()). FrameReceiver reads and checks messages alike
// for every pattern and tells this what became of each. Called on the receive thread only.
class ReceiverPolicy {
public:
    virtual ~ReceiverPolicy() = default;

    // A frame arrived from a sender whose bidirectional mode is `senderBiMode`. Throws
    // ProtocolError naming the end where the mode is off when the pattern needs both ends to
    // agree and they do not, once the sender is told so.
    virtual void checkMode(bool senderBiMode) = 0;
    // The frame, of `codec`, was taken. Should the ReplyProvider throw, the error goes on to
    // the caller once the sender is answered.
    virtual void frameTaken(Codec codec) = 0;
    // The end-of-stream message came.
    virtual void terminateTaken() = 0;
    // A message was refused (FrameReceiver reports it as Invalid or TooLarge). A `notice`
    // that is not empty tells the sender why; otherwise the answer is the one vidgear gives
    // any message.
    virtual void refused(const wire::Notice& notice) = 0;
    // The answer to the `frames`-th frame taken tells the sender that no more are taken.
    virtual void stopAfter(std::uint64_t /*frames*/) {}
};

// PAIR's and REQ/REP's receiving end: NetGear_Async's answer to every message, a plain
// confirmation or, in bidirectional mode, the value from `replies`. `channel` and
// `receiverId` outlive it.
std::unique_ptr<ReceiverPolicy> makeAnsweringReceiver(Channel& channel,
                                                      const std::string& receiverId,
                                                      ReplyProvider replies);
// PUB/SUB's and PUSH/PULL's receiving end: the sender expects no answer.
std::unique_ptr<ReceiverPolicy> makeSilentReceiver();

}  // namespace ng::transport::detail
