// ByteSyntax.h — the text a user types for bytes: escaped text or hex.
//
// What it does: reads what the composer and the terminator editor hold into
// bytes, reporting the first mistake as a span of the text (so the widget can
// mark it in place), and lists the escape sequences for highlighting.
// Escaped text is engine::parseEscaped() (`\r \n \t \0 \\ \xNN`; anything else
// stands for its UTF-8 bytes); hex is pairs of hex digits, with spaces, ':'
// and '-' allowed between pairs and an optional 0x prefix per group.
// What it owns: nothing; pure functions.
// Threads: any.
#pragma once

#include <QByteArray>
#include <QList>
#include <QString>

#include <optional>

namespace ui {

enum class ByteSyntax { Escaped, Hex };

/// The outcome of reading typed text as bytes.
struct ParsedBytes {
    std::optional<QByteArray> bytes;  ///< The bytes, or nullopt on a mistake.
    int errorStart = -1;              ///< Index (in the QString) of the first offending character.
    int errorLength = 0;              ///< Characters to mark.
    QString error;                    ///< A sentence saying what is wrong and where.
    bool ok() const { return bytes.has_value(); }
};

/// A highlighted span of the text: [start, start + length).
struct TextSpan {
    int start = 0;
    int length = 0;
};

ParsedBytes parseBytes(const QString& text, ByteSyntax syntax);
/// The well-formed escape sequences of `text` (escaped syntax).
QList<TextSpan> escapeSpans(const QString& text);
/// Bytes as the user would type them back: escaped text or spaced hex.
QString bytesToText(const QByteArray& bytes, ByteSyntax syntax);

}  // namespace ui
