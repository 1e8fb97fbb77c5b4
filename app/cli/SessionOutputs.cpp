// SessionOutputs.cpp — the --json and --record outputs of the session commands.
#include "app/cli/SessionOutputs.h"

#include "app/Version.h"
#include "app/cli/ToolCommands.h"

#include "engine/capture/EventJson.h"

#include <exception>

namespace cli {

int SessionOutputs::start(std::unique_ptr<engine::Reactor>& reactor, const engine::ReactorOptions& ro, bool json,
                          std::FILE* out, const std::string& recordPath, bool force, std::FILE* err) {
    try {
        reactor = std::make_unique<engine::Reactor>(ro);
    } catch (const std::exception& e) {
        sayTo(err, std::string("cannot start the reactor: ") + e.what());
        return 1;
    }
    const auto header = engine::eventjson::makeHeader("linewright-cli", lw::kVersion, reactor->startedAt(),
                                                      std::string(engine::backendName(reactor->backend())),
                                                      std::string(engine::eventLevelName(ro.level)));
    // Outputs before anything touches the network: an unwritable --record
    // file is a usage error. (The header needs the reactor's start time; the
    // reactor has opened no channel yet.)
    std::string recordError;
    // The file is created 0600, never through a symbolic link, and an
    // existing one is kept unless --force: a run that fails (a refused
    // connect) cannot destroy an earlier recording.
    if (!recordPath.empty() && !m_record.open(recordPath, header, &recordError, outputFile(force))) {
        sayTo(err, "--record: " + outputError(recordError));
        return 2;
    }
    if (json) m_json.adopt(out, "stdout");
    m_json.writeHeader(header);
    return 0;
}

void SessionOutputs::append(const std::vector<engine::Event>& batch) {
    m_json.writeEvents(batch);
    m_record.append(batch);  // encoded and written on the recorder's thread
}

std::string SessionOutputs::error() const {
    if (m_json.failed()) return m_json.error();
    if (m_record.failed()) return m_record.error();
    return {};
}

void SessionOutputs::close() {
    m_json.close();
    m_record.close();
}

}  // namespace cli
