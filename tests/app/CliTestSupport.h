// CliTestSupport.h — the programs the linewright-cli end-to-end tests in
// tests/app run, as lw_cli_test() (tests/app/CMakeLists.txt) names them:
// kCli, the linewright-cli under test (LW_CLI_PATH); for a test registered
// with PYTHON, kPython, the Python 3 with asynchat that runs the peers
// (LW_PYTHON, empty when CMake found none), and kScripts, the folder of
// those peers, tests/app/replay (LW_REPLAY_SCRIPTS). kDebianPython:
// Debian's own Python 3 (with aiosmtpd and pwntools). REQUIRE_PROGRAM(name)
// is in PeerTestSupport.h.
// Each test is one translation unit: these are defined once per test.
// Threads: any (constants).
#pragma once

#include <QString>

inline const QString kCli = QStringLiteral(LW_CLI_PATH);
#if defined(LW_PYTHON) && defined(LW_REPLAY_SCRIPTS)
inline const QString kPython = QStringLiteral(LW_PYTHON);
inline const QString kScripts = QStringLiteral(LW_REPLAY_SCRIPTS);
#endif

/// /usr/bin/python3, not the one first on PATH: Debian's modules (aiosmtpd, pwntools) are there.
inline const QString kDebianPython = QStringLiteral("/usr/bin/python3");
