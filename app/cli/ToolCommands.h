// ToolCommands.h — what linewright-cli's session tools do once their
// command line is read: replay, mock, export, import, reframe, summary.
//
// What it does: runTool() dispatches to one run function per command; each
// reads its input (SessionReader / CaptureImporter), does its work with the
// engine (Replayer, Mocker, PcapngWriter, Transcript, Reframer) and returns
// the exit status: 0 success, 1 a failure or a divergence (its report on
// stderr), never 2 (the command line was checked before). Status lines go to
// stderr prefixed "linewright-cli: "; data (messages, listings, summaries)
// to stdout.
// The shared helpers load a session with its notes reported, and pick the
// conversation --channel names.
// What it owns: nothing beyond a call.
// Threads: main thread (replay and mock observers print from the engine's
// thread while the main thread only waits).
#pragma once

#include "app/cli/ToolOptions.h"

#include "engine/capture/Conversation.h"
#include "engine/capture/OutputFile.h"
#include "engine/capture/SessionReader.h"

#include <cstdio>
#include <optional>
#include <string>

namespace cli {

int runTool(const ToolOptions& options, std::FILE* out, std::FILE* err);

int runReplay(const ToolOptions& options, std::FILE* out, std::FILE* err);
int runMock(const ToolOptions& options, std::FILE* out, std::FILE* err);
int runExport(const ToolOptions& options, std::FILE* out, std::FILE* err);
int runImport(const ToolOptions& options, std::FILE* out, std::FILE* err);
int runReframe(const ToolOptions& options, std::FILE* out, std::FILE* err);
int runPresets(const ToolOptions& options, std::FILE* out, std::FILE* err);
/// `ca`: opens (or creates) the local CA, prints what it is, exports its certificate.
int runCa(const ToolOptions& options, std::FILE* out, std::FILE* err);
int runSummary(const ToolOptions& options, std::FILE* out, std::FILE* err);

/// "linewright-cli: LINE\n" on `err`, flushed; LINE goes through
/// engine::terminalSafe() (line breaks kept), so no control byte it quotes
/// reaches the terminal.
void sayTo(std::FILE* err, const std::string& line);
/// Loads a session; reports a cut-short file and other notes on `err`
/// ("linewright-cli: note: …"), an error as one line. nullopt on error.
std::optional<engine::LoadedSession> loadSession(const std::string& path, std::FILE* err);
/// The conversation `o.channel` names (engine::selectConversation's rules);
/// nullptr, with the reason on `err` ("FILE: …"), if there is none.
const engine::Conversation* pickConversation(const std::vector<engine::Conversation>& conversations,
                                             const ToolOptions& o, std::FILE* err);
/// "'\r\n'", "count:5", "none".
std::string terminatorText(const engine::Terminator& t);
/// How the session tools open their output files: 0600, never through a
/// symbolic link, an existing file only with --force.
engine::OutputFileOptions outputFile(bool force);
/// An output's error, with the hint "(--force overwrites it)" when the file
/// was refused because it exists.
std::string outputError(const std::string& why);
/// Escaped bytes, cut to `limit` characters with "…" after.
std::string shortEscaped(std::string_view bytes, std::size_t limit = 200);

}  // namespace cli
