// Internal to transport: the ZeroMQ messages of the stream, built from frames and wire bytes.
#pragma once

#include <string>
#include <vector>
#include <zmq.hpp>

#include "core/frame.hpp"
#include "wire/dialect.hpp"
#include "wire/messages.hpp"

namespace ng::transport::detail {

class QueuedBytes;

// A frame as NetGear_Async sends it: the header part (frame.seq / frame.captureTimeUs as
// extensions, `data` as the "data" field, `biMode` as the sender's bidirectional mode), then
// the pixel part, sent zero-copy when frame.headroom holds the prefix and frame.owner keeps
// the pixels alive. `queued`, when given, counts the zero-copy part until libzmq is done
// with it. `sender` names the sending end (ng_name, ng_instance; both "" for none).
struct SenderIdentity {
    std::string name;
    std::string instance;
};
// `dialect` writes the header part, and says whether the ndarray prefix goes before the
// pixels; `pattern` is the messaging pattern's number, which NetGear's header carries.
std::vector<zmq::message_t> frameMessage(const Frame& frame, const wire::DataValue& data,
                                         bool biMode, QueuedBytes* queued,
                                         const SenderIdentity& sender = {},
                                         const wire::Dialect& dialect =
                                             wire::netGearAsyncDialect(),
                                         int pattern = 0);

// A message of one part holding a copy of `bytes` (answers, the end-of-stream message).
std::vector<zmq::message_t> singlePart(const wire::Bytes& bytes);

}  // namespace ng::transport::detail
