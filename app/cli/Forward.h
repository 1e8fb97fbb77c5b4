// Forward.h — the names the option headers of linewright-cli pass around
// without needing their definitions: CLI11's App, and our HelpFormatter
// and OptionDefiner (OptionGroups.h, HelpFormatter.h).
// What it owns: nothing. Threads: any.
#pragma once

namespace CLI {
class App;
}

namespace cli {
class HelpFormatter;
class OptionDefiner;
}  // namespace cli
