// Keeps frame-sized heap blocks in the process instead of handing them back to the kernel.
#pragma once

namespace ng {

// libzmq allocates every received message with malloc, one frame each, on its I/O thread,
// and ngrecv frees it on another thread once the outputs are done with it. With several
// frames alive at once, glibc's default heuristics return the freed blocks to the kernel
// and fault them in again for the next frame, costing more CPU than the receive itself.
// Call once at start-up, before threads exist. Memory kept this way is bounded by the
// frames the receiver's queues hold. bench/zmq_ceiling calls it too, for a fair ceiling.
void keepFrameAllocations();

}  // namespace ng
