// ExampleRunner.h — the built-in examples by name: what each one is, its
// source files, and how to start it in a Loop (a server on a local port and,
// where that makes sense, a client connected to it).
//
// What it does: startExample() constructs the example's dispatchers in the
// given Loop; the caller runs the Loop (engine::Loop::loop(), or the
// Reactor's loop thread) until RunningExample::done(). Used by
// `linewright-cli example NAME`, the GUI's Examples menu and the tests.
// What it owns: RunningExample owns the server and client dispatchers it
// made; the connections a server accepts are adopted by the Loop.
// Threads: the thread that runs the Loop.
#pragma once
#include "engine/reactor/HostedWork.h"
#include "engine/asyncore/Loop.h"
#include "examples/ExampleLog.h"

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace engine {
class Dispatcher;
}

namespace examples {

/// One class of an example: the name it logs and reprs under (Python's),
/// the C++ class, and the file that defines its methods.
struct ExampleClass {
    std::string_view pythonName;  ///< "EchoHandler"
    std::string_view cppName;     ///< "EchoLengthHandler"
    std::string_view file;        ///< "EchoLengthHandler.cpp"
};

struct ExampleInfo {
    std::string_view name;     ///< "echo-length": the CLI's NAME
    std::string_view title;    ///< "asynchat ECHO-length protocol"
    std::string_view summary;  ///< one paragraph for a student
    std::vector<std::string_view> files;  ///< examples/… sources, header first
    std::vector<ExampleClass> classes;    ///< the classes whose hooks run
};

/// Every built-in example, in menu order.
const std::vector<ExampleInfo>& allExamples();
const ExampleInfo* findExample(std::string_view name);

/// The http example's POST body: a small form.
std::string defaultHttpBody();

struct ExampleOptions {
    std::string host = "127.0.0.1";
    std::uint16_t port = 0;  ///< 0: any free port
    /// Start only the server (no client); it serves `count` connections
    /// (0: until stopped) and is then done.
    bool serverOnly = false;
    unsigned count = 0;
    /// Start only the client, against host:connectPort.
    std::optional<std::uint16_t> connectPort;
    /// The echo examples' message (empty: the tutorial's default).
    std::string message;
    /// The HTTP client's path.
    std::string path = "/";
    /// The http example's second request: a POST of this body, sent beside
    /// the GET when the example runs its own server (empty: GET only).
    std::string body = defaultHttpBody();
    LogSink logger = logToStderr;
    /// Where the HTTP client prints what it reads (nullptr: stdout).
    std::function<void(std::string_view)> print;
};

/// A running example; as engine::HostedWork, a Reactor can host it in its
/// loop (Reactor::host, as the GUI's Examples menu does).
class RunningExample : public engine::HostedWork {
public:
    ~RunningExample() override = default;
    /// The conversation is over (client finished / server served its count).
    bool done() const override = 0;
    /// The client saw what it expected (true for server-only runs once done).
    bool ok() const override = 0;
    /// The port the server listens on (0 if there is no server).
    std::uint16_t port() const override = 0;
    /// The dispatchers made (server first), for naming them in a UI.
    virtual std::vector<engine::Dispatcher*> dispatchers() const = 0;
};

/// The tutorial's message for the echo examples: longer than 64 bytes so
/// that the 64-byte buffers split it.
std::string defaultEchoMessage();

/// Starts `name` in `map`. Throws std::invalid_argument for an unknown name
/// and std::system_error when a socket cannot be set up.
std::unique_ptr<RunningExample> startExample(std::string_view name, engine::Loop& map, const ExampleOptions& options);

/// Where the example sources were at build time (for the About pane).
std::string sourceDirectory();

}  // namespace examples
