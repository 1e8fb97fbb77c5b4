// HelpFormatter.cpp — GNU-style help pages from CLI11's definitions.
#include "app/cli/HelpFormatter.h"

#include "engine/asyncore/Escape.h"

#include <CLI/CLI.hpp>

#include <algorithm>

namespace cli {

namespace {

/// `text` wrapped to lines of at most `width - indent` characters, each
/// line after the first indented by `indent`; words are never split.
std::string wrap(const std::string& text, std::size_t firstColumn, std::size_t indent, std::size_t width) {
    std::string out;
    std::size_t column = firstColumn;
    std::size_t pos = 0;
    bool lineEmpty = true;
    while (pos < text.size()) {
        const std::size_t start = text.find_first_not_of(' ', pos);
        if (start == std::string::npos) break;
        std::size_t end = text.find(' ', start);
        if (end == std::string::npos) end = text.size();
        const std::size_t len = end - start;
        if (!lineEmpty && column + 1 + len > width) {
            out += '\n';
            out.append(indent, ' ');
            column = indent;
            lineEmpty = true;
        }
        if (!lineEmpty) {
            out += ' ';
            ++column;
        }
        out.append(text, start, len);
        column += len;
        lineEmpty = false;
        pos = end;
    }
    return out;
}

std::string optionLine(const CLI::Option* opt) {
    std::string names = "  ";
    const auto& shorts = opt->get_snames();
    names += shorts.empty() ? "    " : "-" + shorts.front() + ", ";
    const auto& longs = opt->get_lnames();
    names += longs.empty() ? std::string() : "--" + longs.front();
    if (opt->get_items_expected_max() > 0 && !opt->get_type_name().empty()) names += " " + opt->get_type_name();
    std::string line = names;
    if (names.size() + 2 > HelpFormatter::kColumn) {
        line += '\n';
        line.append(HelpFormatter::kColumn, ' ');
    } else {
        line.append(HelpFormatter::kColumn - names.size(), ' ');
    }
    line += wrap(opt->get_description(), HelpFormatter::kColumn, HelpFormatter::kColumn, HelpFormatter::kWidth);
    return line + "\n";
}

}  // namespace

std::string HelpFormatter::make_help(const CLI::App* app, std::string, CLI::AppFormatMode) const {
    static const HelpPage kNone;
    const auto found = m_pages.find(app);
    const HelpPage& page = found != m_pages.end() ? found->second : kNone;
    std::string out;

    for (std::size_t i = 0; i < page.usage.size(); ++i)
        out += std::string(i == 0 ? "Usage: " : "  or:  ") + "linewright-cli " + page.usage[i] + "\n";
    if (!page.description.empty()) out += "\n" + page.description;

    if (page.listCommands) {
        out += "\nCommands:\n";
        for (const CLI::App* sub : app->get_subcommands([](const CLI::App*) { return true; })) {
            std::string name = "  " + sub->get_name();
            name.append(name.size() < 14 ? 14 - name.size() : 1, ' ');
            out += name + wrap(sub->get_description(), 14, 14, kWidth) + "\n";
        }
    }

    // The option groups, in the order they were first used.
    std::vector<const CLI::App*> sources = page.optionsOf;
    if (sources.empty()) sources.push_back(app);
    std::vector<const CLI::Option*> options;
    for (const CLI::App* source : sources)
        for (const CLI::Option* o : source->get_options([](const CLI::Option* x) { return !x->get_group().empty(); }))
            if (std::none_of(options.begin(), options.end(),
                             [o](const CLI::Option* seen) { return seen->get_lnames() == o->get_lnames(); }))
                options.push_back(o);
    std::vector<std::string> groups;
    for (const CLI::Option* o : options)
        if (std::find(groups.begin(), groups.end(), o->get_group()) == groups.end()) groups.push_back(o->get_group());
    for (const std::string& group : groups) {
        out += "\n" + group + ":\n";
        for (const CLI::Option* o : options)
            if (o->get_group() == group) out += optionLine(o);
        if (const auto note = page.groupNotes.find(group); note != page.groupNotes.end()) out += note->second;
    }
    if (!page.footer.empty()) out += "\n" + page.footer;
    // The texts are ours, but an escape written in one unescaped (a "\r\n"
    // meant as the four characters) would reach the terminal raw: the page
    // goes through the same gate as every other line.
    return engine::terminalSafe(out, engine::TerminalText::Multiline);
}

}  // namespace cli
