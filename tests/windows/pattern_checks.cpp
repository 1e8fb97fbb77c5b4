// pattern_checks.cpp — Qt-free checks of engine/asyncore's Pattern (RE2) on
// peer-like bytes, for the MinGW cross-build: proves the RE2 that
// tests/windows/build_re2.sh cross-builds links and behaves under Wine as the
// Linux one does (binary bytes, captures, a refused pattern with a clear
// one-line reason). Runs natively as tst_PatternChecks when the layers are
// built, and under Wine from tests/windows/run_wine_suite.sh. Prints one
// "ok"/"not ok" line per check and "N checks passed, N failed" at the end.
#include "engine/asyncore/Pattern.h"

#include <cstdio>
#include <string>

namespace {

int g_passed = 0;
int g_failed = 0;

void check(bool ok, const std::string& name, const std::string& detail = {}) {
    if (ok) {
        ++g_passed;
        std::printf("ok %d - %s\n", g_passed + g_failed, name.c_str());
    } else {
        ++g_failed;
        std::printf("not ok %d - %s%s%s\n", g_passed + g_failed, name.c_str(), detail.empty() ? "" : ": ",
                    detail.c_str());
    }
    std::fflush(stdout);
}

}  // namespace

int main() {
    using engine::Pattern;
    std::string error;
    const auto status = Pattern::compile(R"(^(\d{3}) (\w+))", &error);
    check(status.has_value(), "a status-line pattern compiles", error);
    if (status) {
        const auto m = status->find("250 OK\r\n");
        check(m && m->groups.size() == 2 && m->groups[0] == engine::ByteRange{0, 3} && m->groups[1] == engine::ByteRange{4, 6},
              "captures of \"250 OK\" are [0,3) and [4,6)");
        check(!status->contains("OK 250"), "no match where there is none");
    }

    // Binary subject: NUL and high bytes are bytes, not text.
    std::string subject(100 * 1024, '\0');
    for (std::size_t i = 0; i < subject.size(); ++i)
        subject[i] = static_cast<char>(i * 131 % 251);
    subject.replace(70000, 5, std::string("\xff\x00" "END", 5));
    const auto binary = Pattern::compile(R"(\xff\x00(END))", &error);
    const auto found = binary ? binary->find(subject) : std::nullopt;
    check(found && found->range == engine::ByteRange{70000, 70005}, "a binary needle found at 70000 in 100 kB", error);

    std::string why;
    const auto bad = Pattern::compile("(unclosed", &why);
    check(!bad && !why.empty() && why.find('\n') == std::string::npos, "a bad pattern is refused with one line", why);

    std::printf("%d checks passed, %d failed\n", g_passed, g_failed);
    return g_failed == 0 ? 0 : 1;
}
