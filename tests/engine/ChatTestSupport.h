// ChatTestSupport.h — the pieces tst_AsyncChat and tst_Terminator share:
// the CPython oracle's byte escaping (esc) and terminator notation (tdesc),
// a std::string_view → QByteArray for QCOMPARE (qb), and Step, one entry of
// a terminator schedule a test channel applies inside found_terminator().
// Plain values and free functions: they own nothing.
// Threads: the test's thread.
#pragma once

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Terminator.h"

#include <QByteArray>

#include <string>
#include <string_view>

namespace lwtest {

inline QByteArray qb(std::string_view s) { return QByteArray(s.data(), static_cast<qsizetype>(s.size())); }

/// The oracle's escaping (cpython_oracle/oracle.py): printable ASCII except
/// '\' and '|' as-is, anything else as \xHH.
inline std::string esc(std::string_view b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (const char ch : b) {
        const auto x = static_cast<unsigned char>(ch);
        if (x >= 0x21 && x <= 0x7e && x != '\\' && x != '|') {
            out += ch;
        } else {
            out += "\\x";
            out += kHex[x >> 4];
            out += kHex[x & 15u];
        }
    }
    return out;
}

/// The oracle's terminator notation: N (None), #n (a count), B<esc bytes>.
inline std::string tdesc(const engine::Terminator& t) {
    switch (t.kind()) {
    case engine::Terminator::Kind::None: return "N";
    case engine::Terminator::Kind::Count: return "#" + std::to_string(t.countValue());
    case engine::Terminator::Kind::Bytes: return "B" + esc(t.bytesValue());
    }
    return "?";
}

/// One step of a terminator schedule, applied inside found_terminator() number i.
struct Step {
    enum Kind { Set, Keep, Close, Discard } kind = Keep;
    engine::Terminator term;

    void applyTo(engine::AsyncChat& chat) const {
        switch (kind) {
        case Set: chat.setTerminator(term); break;
        case Keep: break;
        case Close: chat.close(); break;
        case Discard: chat.discardBuffers(); break;
        }
    }
};

}  // namespace lwtest
