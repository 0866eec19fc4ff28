// ngrecv: receives NetGear_Async frames over ZeroMQ and shows or writes them.
#include "cli/options.hpp"
#include "pipeline/run.hpp"

int main(int argc, char** argv) {
    ng::cli::RecvOptions options;
    const ng::cli::ParseResult parsed = ng::cli::parseRecvOptions(argc, argv, options);
    if (!parsed.run) return parsed.exitCode;
    if (!options.common.keygen.empty()) return ng::cli::runKeygen(options.common, "ngrecv");
    return ng::pipeline::runReceiver(options);
}
