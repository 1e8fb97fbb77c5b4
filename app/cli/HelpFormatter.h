// HelpFormatter.h — linewright-cli's --help pages, generated from the
// CLI11 definitions in GNU style (what help2man turns into the man page).
//
// What it does: make_help() writes one command's page:
//   Usage: linewright-cli USAGE          (one line per form, "  or:  " after the first)
//   the description, verbatim
//   the commands, one line each (the program's page)
//   one section per option group, in the order the groups were defined:
//     "  -t, --terminator T   description, wrapped at 79 columns"
//     then the group's note, verbatim
//   the footer, verbatim
// The option lines come from the options' names, metavariables, groups and
// descriptions as CLI11 holds them, so the help cannot drift from what the
// parser accepts. A page may show other commands' options (the program's
// page shows those of connect and listen, then its own).
// What it owns: the pages' texts (usage forms, notes), keyed by command.
// Threads: main thread.
#pragma once

#include <CLI/CLI.hpp>

#include <map>
#include <string>
#include <vector>

namespace cli {

struct HelpPage {
    std::vector<std::string> usage;  ///< After "linewright-cli ", one per form.
    std::string description;         ///< Verbatim, after the usage.
    std::string footer;              ///< Verbatim, at the end.
    std::map<std::string, std::string> groupNotes;  ///< Verbatim, after a group's options.
    /// Whose options to show, in this order, each long name once (empty: the command's own).
    std::vector<const CLI::App*> optionsOf;
    bool listCommands = false;            ///< List the subcommands with their descriptions.
};

class HelpFormatter : public CLI::FormatterBase {
public:
    static constexpr std::size_t kWidth = 79;
    static constexpr std::size_t kColumn = 23;  ///< Where option descriptions start.

    void setPage(const CLI::App* app, HelpPage page) { m_pages[app] = std::move(page); }
    std::string make_help(const CLI::App* app, std::string name, CLI::AppFormatMode mode) const override;

private:
    std::map<const CLI::App*, HelpPage> m_pages;
};

}  // namespace cli
