// ByteSyntax.cpp — escaped and hex input, with error spans.
#include "ui/views/ByteSyntax.h"

#include "engine/asyncore/Escape.h"

#include <QCoreApplication>

#include <string>
#include <vector>

namespace ui {
namespace {

bool isHexDigit(QChar c) {
    return (c >= u'0' && c <= u'9') || (c >= u'a' && c <= u'f') || (c >= u'A' && c <= u'F');
}

int hexValue(QChar c) {
    const char16_t u = c.unicode();
    if (u >= u'0' && u <= u'9') return u - u'0';
    if (u >= u'a' && u <= u'f') return u - u'a' + 10;
    return u - u'A' + 10;
}

QString tr(const char* text) {
    return QCoreApplication::translate("ui::ByteSyntax", text);
}

ParsedBytes parseEscapedText(const QString& text) {
    ParsedBytes r;
    const QByteArray utf8 = text.toUtf8();
    engine::EscapeError e;
    auto bytes = engine::parseEscaped(std::string_view(utf8.constData(), static_cast<std::size_t>(utf8.size())), &e);
    if (bytes) {
        r.bytes = QByteArray(bytes->data(), static_cast<qsizetype>(bytes->size()));
        return r;
    }
    // Map the 1-based UTF-8 byte position of the backslash to a QString index.
    std::size_t bytePos = 0;
    int index = 0;
    while (index < text.size() && bytePos + 1 < e.position) {
        const QChar c = text.at(index);
        if (c.isHighSurrogate() && index + 1 < text.size()) {
            bytePos += 4;
            index += 2;
            continue;
        }
        const char16_t u = c.unicode();
        bytePos += u < 0x80 ? 1 : (u < 0x800 ? 2 : 3);
        ++index;
    }
    r.errorStart = index;
    // The backslash plus what makes the escape wrong: "\q", "\x4", "\".
    int length = 1;
    if (index + 1 < text.size()) {
        length = 2;
        if (text.at(index + 1) == u'x') {
            for (int k = index + 2; k < text.size() && k < index + 4 && isHexDigit(text.at(k)); ++k) ++length;
            if (index + length < text.size() && length < 4) ++length;  // the offending character
        }
    }
    r.errorLength = length;
    r.error = QString::fromStdString(e.message);
    return r;
}

ParsedBytes parseHexText(const QString& text) {
    ParsedBytes r;
    QByteArray out;
    out.reserve(text.size() / 2);
    int i = 0;
    const int n = static_cast<int>(text.size());
    while (i < n) {
        const QChar c = text.at(i);
        if (c.isSpace() || c == u':' || c == u'-' || c == u',') {
            ++i;
            continue;
        }
        if (c == u'0' && i + 1 < n && (text.at(i + 1) == u'x' || text.at(i + 1) == u'X') &&
            (i + 2 < n && isHexDigit(text.at(i + 2)))) {
            i += 2;
            continue;
        }
        if (!isHexDigit(c)) {
            r.errorStart = i;
            r.errorLength = 1;
            r.error = tr("'%1' at position %2 is not a hex digit; write bytes as pairs like 0d 0a")
                          .arg(c)
                          .arg(i + 1);
            return r;
        }
        if (i + 1 >= n || !isHexDigit(text.at(i + 1))) {
            r.errorStart = i;
            r.errorLength = 1;
            r.error = tr("the hex digit at position %1 has no partner; every byte takes two digits (0a, not a)")
                          .arg(i + 1);
            return r;
        }
        out.append(static_cast<char>(hexValue(c) * 16 + hexValue(text.at(i + 1))));
        i += 2;
    }
    r.bytes = out;
    return r;
}

}  // namespace

ParsedBytes parseBytes(const QString& text, ByteSyntax syntax) {
    return syntax == ByteSyntax::Hex ? parseHexText(text) : parseEscapedText(text);
}

QList<TextSpan> escapeSpans(const QString& text) {
    QList<TextSpan> spans;
    const int n = static_cast<int>(text.size());
    for (int i = 0; i + 1 < n; ++i) {
        if (text.at(i) != u'\\') continue;
        const QChar e = text.at(i + 1);
        if (e == u'r' || e == u'n' || e == u't' || e == u'0' || e == u'\\') {
            spans.append({i, 2});
            ++i;
        } else if (e == u'x' && i + 3 < n && isHexDigit(text.at(i + 2)) && isHexDigit(text.at(i + 3))) {
            spans.append({i, 4});
            i += 3;
        }
    }
    return spans;
}

QString bytesToText(const QByteArray& bytes, ByteSyntax syntax) {
    if (syntax == ByteSyntax::Hex) return QString::fromLatin1(bytes.toHex(' '));
    const std::string s = engine::renderEscaped(std::string_view(bytes.constData(), static_cast<std::size_t>(bytes.size())));
    return QString::fromStdString(s);
}

}  // namespace ui
