// ngsend: reads frames from a source and pushes them over ZeroMQ, NetGear_Async style.
#include "cli/options.hpp"
#include "pipeline/run.hpp"

int main(int argc, char** argv) {
    ng::cli::SendOptions options;
    const ng::cli::ParseResult parsed = ng::cli::parseSendOptions(argc, argv, options);
    if (!parsed.run) return parsed.exitCode;
    if (!options.common.keygen.empty()) return ng::cli::runKeygen(options.common, "ngsend");
    return ng::pipeline::runSender(options);
}
