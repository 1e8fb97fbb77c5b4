// CommandLine.cpp — the program's CLI11 apps, the GNU pass over argv, and
// the parse.
#include "app/cli/CommandLine.h"

#include "app/Version.h"
#include "app/cli/HelpFormatter.h"
#include "app/cli/OptionGroups.h"
#include "app/cli/TlsOptions.h"
#include "app/cli/Values.h"

#include "engine/reactor/Reactor.h"

#include <CLI/CLI.hpp>

#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

namespace cli {

namespace {

const char* const kProgramDescription =
    "A workbench for terminator-framed TCP protocols, built on asyncore/asynchat.\n"
    "connect opens one client channel; listen accepts connections (each one its\n"
    "own channel, with the listener's terminator and buffer sizes). Received\n"
    "messages are printed one per line on stdout, bytes escaped (\\r \\n \\t \\0 \\\\\n"
    "\\xNN); status goes to stderr. udp listen and udp send do the same with UDP\n"
    "datagrams (linewright-cli udp --help).\n"
    "\n"
    "listen binds 127.0.0.1 unless a host is given; all interfaces only when\n"
    "asked (0.0.0.0:PORT or [::]:PORT). Port 0 picks a free port; the line\n"
    "\"linewright-cli: listening on HOST:PORT\" on stderr says which.\n"
    "\n"
    "The options below are those of connect and listen. Every command has its\n"
    "own --help (linewright-cli replay --help).\n";

const char* const kProgramFooter =
    "Session files (--record) are replayed against a server (replay), served\n"
    "to clients as a mock server (mock), exported for Wireshark and other tools\n"
    "(export), framed again with another terminator (reframe) and summarised\n"
    "(summary); import turns a TCP stream of a pcap/pcapng capture into one.\n"
    "See docs/replay.md.\n"
    "\n"
    "Exit status: 0 success; 1 a runtime failure (refused, reset, unresolvable\n"
    "host, address in use, timeout), with one line on stderr; 2 a usage error\n"
    "(bad option or value, port 0 for connect or above 65535, unreadable\n"
    "--send-file, unwritable --record).\n"
    "\n"
    "Examples:\n"
    "  An echo server on port 7000, and a client that sends one line to it:\n"
    "\n"
    "    linewright-cli listen 7000 --echo\n"
    "\n"
    "    linewright-cli connect localhost 7000 --send 'PING\\r\\n' --terminator '\\r\\n' --count 1\n"
    "\n"
    "  An echo server on a free port, quiet, with its counters at the end:\n"
    "\n"
    "    linewright-cli listen 0 --echo --quiet --stats --terminator '\\r\\n'\n"
    "\n"
    "  Talk to an SMTP server by hand, recording the session:\n"
    "\n"
    "    linewright-cli connect 127.0.0.1 25 -t '\\r\\n' --json --record smtp.lwsession\n"
    "\n"
    "  Frame Redis replies whole (bulk strings by length, an array as one group):\n"
    "\n"
    "    linewright-cli connect 127.0.0.1 6379 --preset redis --json\n";

bool takesValue(const CLI::Option* o) { return o->get_items_expected_max() > 0; }

std::string longName(const CLI::Option* o) { return "--" + o->get_lnames().front(); }

/// The program: its CLI11 apps, with the option structs they store into.
class Program {
public:
    Program() : m_root(std::make_unique<CLI::App>(kProgramDescription, "linewright-cli")) {
        // Before any subcommand exists: they copy these from the program.
        m_root->set_help_flag();  // ours, below: the GNU pass handles --help
        m_root->formatter(m_help);

        addSessionCommand(*m_root, Mode::Connect, m_defs, *m_help, m_result.session);
        addSessionCommand(*m_root, Mode::Listen, m_defs, *m_help, m_result.session);
        addSessionCommand(*m_root, Mode::Proxy, m_defs, *m_help, m_result.session);
        m_udp = addUdpCommand(*m_root, m_defs, *m_help, m_result.udp);
        addToolCommands(*m_root, m_defs, *m_help, m_result.tool);
        m_example = addExampleCommand(*m_root, m_defs, *m_help, m_result.example);
        m_run = addRunCommand(*m_root, m_defs, *m_help, m_result.run);
        m_script = addScriptCommand(*m_root, m_defs, *m_help, m_result.script);
        m_commands = m_root->get_subcommands({});
        m_all = m_commands;
        for (CLI::App* sub : m_udp->get_subcommands({})) m_all.push_back(sub);

        m_defs.setGroup("Other");
        for (CLI::App* app : m_all) m_defs.flag(*app, "-h,--help", "this help.", [] {});
        m_defs.flag(*m_root, "-h,--help", "this help.", [] {});
        m_version = m_defs.flag(*m_root, "-V,--version", "the version, and the backends available here.", [] {});

        HelpPage page;
        page.usage = {"connect HOST PORT [options]",
                      "listen [HOST:]PORT [options]",
                      "proxy [HOST:]LISTEN_PORT --to HOST:PORT [options]",
                      "udp listen [HOST:]PORT [options]",
                      "udp send HOST PORT [options]",
                      "replay FILE --to HOST:PORT [options]",
                      "mock FILE --listen [HOST:]PORT [options]",
                      "export FILE --pcapng OUT | --text OUT | --raw-client OUT | --raw-server OUT",
                      "import CAPTURE --list | --stream N -o SESSION",
                      "reframe FILE --terminator T | --preset NAME",
                      "summary FILE",
                      "presets",
                      "ca [--ca-dir DIR] [--export FILE]",
                      "example NAME [options]",
                      "run SCRIPT [--to HOST:PORT] [--json] [--parallel N --iterations M]",
                      "script SESSION -o SCRIPT [--channel N] [--exact]",
                      "script SCRIPT.lws|SESSION --python pwntools|asyncio -o PROGRAM.py",
                      "--help | --version"};
        page.description = kProgramDescription;
        page.listCommands = true;
        page.optionsOf = {command("connect"), m_root.get()};
        page.groupNotes["TLS"] = tlsGroupNote(TlsRole::Client);
        page.groupNotes["Engine"] = "Sizes take K, M, G suffixes (powers of 1024).\n";
        page.groupNotes["Stopping"] =
            "  A client also stops when its connection closes (before --count is\n"
            "  reached, that is a failure); SIGINT/SIGTERM stop cleanly (a second one\n"
            "  exits at once).\n";
        page.footer = kProgramFooter;
        m_help->setPage(m_root.get(), std::move(page));
        checkConsistent();
    }

    ParsedCommandLine parse(const std::vector<std::string>& args);
    std::string help(const CLI::App* app) const { return m_help->make_help(app, "", CLI::AppFormatMode::Normal); }
    CLI::App* command(std::string_view name) const {
        for (CLI::App* app : m_commands)
            if (app->get_name() == name) return app;
        return nullptr;
    }

private:
    struct Given {
        const CLI::Option* option = nullptr;
        std::string written;  ///< As on the command line: "--pcapng", "-t".
        std::optional<std::string> value;
    };

    /// An option named `name` ("--x" or "-x") for `app` (nullptr: no command
    /// yet, so any command's): the command's own or the program's.
    const CLI::Option* find(const CLI::App* app, const std::string& name) const {
        if (app) {
            if (const CLI::Option* o = app->get_option_no_throw(name)) return o;
            return m_root->get_option_no_throw(name);
        }
        if (const CLI::Option* o = m_root->get_option_no_throw(name)) return o;
        for (const CLI::App* sub : m_all)
            if (const CLI::Option* o = sub->get_option_no_throw(name)) return o;
        return nullptr;
    }

    /// "udp send" for udp's send, else the command's name.
    std::string pathOf(const CLI::App* app) const {
        return app->get_parent() == m_root.get() ? app->get_name() : app->get_parent()->get_name() + " " + app->get_name();
    }

    /// Why `written` is not an option of `app`.
    std::string notAnOption(const CLI::App* app, const std::string& written) const {
        if (app)
            if (const CLI::Option* elsewhere = find(nullptr, written))
                return "option " + longName(elsewhere) + " does not apply to " + pathOf(app) +
                       " (see linewright-cli " + pathOf(app) + " --help)";
        return "unknown option " + quote(written) + " (see --help)";
    }

    /// Whether every option name means the same kind of option (with a
    /// value or without) in every command: options may come before the
    /// command word, where the command is not known yet.
    void checkConsistent() const {
        std::map<std::string, bool> kinds;
        std::vector<const CLI::App*> apps{m_root.get()};
        for (const CLI::App* a : m_all) apps.push_back(a);
        for (const CLI::App* a : apps)
            for (const CLI::Option* o : a->get_options({})) {
                std::vector<std::string> names;
                for (const auto& s : o->get_snames()) names.push_back("-" + s);
                for (const auto& l : o->get_lnames()) names.push_back("--" + l);
                for (const auto& n : names) {
                    const auto [it, fresh] = kinds.emplace(n, takesValue(o));
                    if (!fresh && it->second != takesValue(o))
                        throw std::logic_error("linewright-cli: option " + n + " takes a value in one command but not in another");
                }
            }
    }

    static std::string commandList(const std::vector<CLI::App*>& apps) {
        std::string s;
        for (std::size_t i = 0; i < apps.size(); ++i)
            s += (i == 0 ? "" : i + 1 == apps.size() ? " or " : ", ") + apps[i]->get_name();
        return s;
    }

    std::shared_ptr<HelpFormatter> m_help = std::make_shared<HelpFormatter>();
    OptionDefiner m_defs;
    std::unique_ptr<CLI::App> m_root;
    std::vector<CLI::App*> m_commands;
    std::vector<CLI::App*> m_all;  ///< m_commands and udp's listen and send.
    CLI::App* m_udp = nullptr;     ///< Its subcommand is the word after it.
    CLI::App* m_example = nullptr;
    CLI::App* m_run = nullptr;
    CLI::App* m_script = nullptr;
    const CLI::Option* m_version = nullptr;
    ParsedCommandLine m_result;
};

ParsedCommandLine Program::parse(const std::vector<std::string>& args) {
    ParsedCommandLine r;
    auto fail = [&r, this](CLI::App* app, std::string message) {
        r = ParsedCommandLine();
        r.kind = ParsedCommandLine::Kind::Error;
        r.text = std::move(message);
        if (app && app == m_example) {
            r.prefix = "linewright-cli example";
            r.usage = help(app);
        }
        return r;
    };

    // --- The GNU pass: the command word, the options in order, the positionals.
    CLI::App* cmd = nullptr;
    std::vector<Given> given;
    std::vector<std::string> positionals;
    bool ended = false;
    bool help = false;
    bool version = false;
    std::optional<std::string> firstOther;  // for --version, which stands alone
    std::optional<std::string> error;       // the first mistake (ignored once --help was seen)
    auto mistake = [&](std::string message) {
        if (!help && !error) error = std::move(message);
    };

    for (std::size_t i = 0; i < args.size() && !error; ++i) {
        const std::string& a = args[i];
        if (ended || a.size() < 2 || a[0] != '-') {
            if (!firstOther) firstOther = a;
            if (cmd == m_udp) {  // udp's subcommand
                cmd = nullptr;
                for (CLI::App* sub : m_udp->get_subcommands({}))
                    if (sub->get_name() == a) cmd = sub;
                if (!cmd) {
                    cmd = m_udp;
                    mistake("unknown udp command " + quote(a) + ": expected " + commandList(m_udp->get_subcommands({})) +
                            " (see linewright-cli udp --help)");
                    continue;
                }
            } else if (cmd) {
                positionals.push_back(a);
                continue;
            } else {
                cmd = command(a);
            }
            if (!cmd) {
                mistake("unknown command " + quote(a) + ": expected " + commandList(m_commands) + " (see --help)");
                continue;
            }
            if (cmd == m_udp) continue;  // the options are resolved once its subcommand is known
            // The options that came before the command word, now that it is known.
            for (Given& g : given) {
                g.option = find(cmd, g.written);
                if (!g.option) {
                    mistake(notAnOption(cmd, g.written));
                    break;
                }
            }
            continue;
        }
        if (a == "--") {
            if (!firstOther) firstOther = a;
            ended = true;
            continue;
        }
        Given g;
        std::optional<std::string> attached;  // -xVALUE
        if (a[1] == '-') {
            const std::string body = a.substr(2);
            const auto eq = body.find('=');
            g.written = "--" + body.substr(0, eq);
            if (eq != std::string::npos) g.value = body.substr(eq + 1);
        } else {
            g.written = a.substr(0, 2);
            if (a.size() > 2) attached = a.substr(2);
        }
        g.option = find(cmd == m_udp ? nullptr : cmd, g.written);
        if (!g.option) {
            mistake(notAnOption(cmd, g.written));
            continue;
        }
        const std::string name = longName(g.option);
        if (attached) {
            if (!takesValue(g.option)) {
                mistake("unknown option " + quote(a) + " (write short options separately)");
                continue;
            }
            g.value = attached;
        }
        if (!takesValue(g.option) && g.value) {
            mistake("option " + name + " takes no value");
            continue;
        }
        if (takesValue(g.option) && !g.value) {
            if (i + 1 >= args.size()) {
                mistake("option " + name + " needs a value");
                continue;
            }
            g.value = args[++i];
        }
        if (name == "--help") {
            help = true;
            continue;
        }
        if (g.option == m_version) {
            version = true;
            continue;
        }
        if (!firstOther) firstOther = a;
        given.push_back(std::move(g));
    }

    if (help) {
        r.kind = ParsedCommandLine::Kind::Help;
        r.text = this->help(cmd ? cmd : m_root.get());
        return r;
    }
    // --version stands alone: whatever else there is, that is the mistake.
    if (version && firstOther)
        return fail(nullptr, "--version takes no other arguments (got " + quote(*firstOther) + ")");
    if (error) return fail(cmd, *error);
    if (version) {
        r.kind = ParsedCommandLine::Kind::Version;
        r.text = versionText();
        return r;
    }
    if (!cmd)
        return fail(nullptr,
                    "missing command: expected 'connect HOST PORT', 'listen [HOST:]PORT' or a session tool (see --help)");
    if (cmd == m_udp) return fail(cmd, "udp needs a subcommand: expected 'udp listen [HOST:]PORT' or 'udp send HOST PORT' (see linewright-cli udp --help)");

    // --- CLI11: each option checked and stored, in command-line order.
    std::vector<std::string> plain{cmd->get_name()};
    if (cmd->get_parent() == m_udp) plain.insert(plain.begin(), m_udp->get_name());
    for (const Given& g : given) {
        plain.push_back(longName(g.option));
        if (g.value) plain.push_back(*g.value);
    }
    std::vector<std::string> reversed(plain.rbegin(), plain.rend());  // CLI11 takes them last first
    try {
        m_root->parse(reversed);
    } catch (const CLI::ParseError& e) {
        return fail(cmd, m_defs.firstError().empty() ? std::string(e.what()) : m_defs.firstError());
    }

    // --- The positional arguments and the checks across options.
    std::string why;
    if (cmd->get_parent() == m_udp) {
        why = finishUdp(cmd->get_name() == "listen", positionals, m_result.udp);
        m_result.kind = ParsedCommandLine::Kind::Udp;
    } else if (cmd->get_name() == "connect" || cmd->get_name() == "listen" || cmd->get_name() == "proxy") {
        why = finishSession(cmd->get_name() == "connect"  ? Mode::Connect
                            : cmd->get_name() == "listen" ? Mode::Listen
                                                          : Mode::Proxy,
                            positionals, m_result.session);
        m_result.kind = ParsedCommandLine::Kind::Session;
    } else if (cmd == m_example) {
        why = finishExample(positionals, m_result.example);
        m_result.kind = ParsedCommandLine::Kind::Example;
    } else if (cmd == m_run) {
        why = finishRun(positionals, m_result.run);
        m_result.kind = ParsedCommandLine::Kind::Run;
    } else if (cmd == m_script) {
        why = finishScript(positionals, m_result.script);
        m_result.kind = ParsedCommandLine::Kind::Script;
    } else {
        why = finishTool(*toolOf(cmd->get_name()), positionals, m_result.tool);
        m_result.kind = ParsedCommandLine::Kind::Tool;
    }
    if (!why.empty()) return fail(cmd, why);
    return std::move(m_result);
}

}  // namespace

ParsedCommandLine parseCommandLine(int argc, const char* const* argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return Program().parse(args);
}

std::string versionText() {
    std::string backends;
    for (engine::Backend b : {engine::Backend::Select, engine::Backend::Poll, engine::Backend::Epoll}) {
        if (!engine::backendAvailable(b)) continue;
        if (!backends.empty()) backends += ", ";
        backends += engine::backendName(b);
    }
    return "linewright-cli " + std::string(lw::kVersion) + "\n" + "Backends: " + backends + " (default " +
           std::string(engine::backendName(engine::defaultBackend())) + "). Session format: linewright-session v1.\n";
}

}  // namespace cli
