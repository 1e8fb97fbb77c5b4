// ChatTestSupport.h — the pieces tst_AsyncChat and tst_Terminator share:
// the CPython oracle's byte escaping (esc) and terminator notation (tdesc),
// a std::string_view → QByteArray for QCOMPARE (qb), Step, one entry of
// a terminator schedule a test channel applies inside found_terminator(),
// and the QTest rows of numbered cases, each alone or in each read size
// (addIndexRows, addModeRows).
// Plain values and free functions: they own nothing.
// Threads: the test's thread.
#pragma once

#include "engine/asyncore/AsyncChat.h"
#include "engine/asyncore/Terminator.h"

#include <QByteArray>
#include <QTest>

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

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

/// A read size that takes the whole input in one read.
inline constexpr std::size_t kWhole = std::size_t{1} << 20;

/// A read size's name in a row's name.
inline const char* modeName(std::size_t readSize) {
    switch (readSize) {
    case 1: return "1-byte";
    case 3: return "3-byte";
    case 10: return "10-byte";
    default: return "whole";
    }
}

/// The int column `column` and one row per name, named so, its index in `names`.
inline void addIndexRows(const char* column, std::initializer_list<const char*> names) {
    QTest::addColumn<int>(column);
    int i = 0;
    for (const char* name : names) QTest::newRow(name) << i++;
}

/// The int column `column` and the qulonglong column "readSize", and a row
/// "NAME/MODE" for each of `names` (its index) in each read size of `sizes`.
inline void addModeRows(const char* column, const std::vector<const char*>& names,
                        std::initializer_list<std::size_t> sizes = {1, 10, kWhole}) {
    QTest::addColumn<int>(column);
    QTest::addColumn<qulonglong>("readSize");
    for (std::size_t i = 0; i < names.size(); ++i)
        for (const std::size_t size : sizes)
            QTest::addRow("%s/%s", names[i], modeName(size)) << static_cast<int>(i) << static_cast<qulonglong>(size);
}

}  // namespace lwtest
