// JsonReader.cpp — a strict JSON parser for one line, and field access.
#include "engine/capture/JsonReader.h"

#include "engine/asyncore/Escape.h"

#include <charconv>
#include <utility>

namespace engine {
namespace {

class Parser {
public:
    explicit Parser(std::string_view text) : m_s(text) {}

    bool parseDocument(JsonValue& out) {
        skipSpace();
        if (!parseValue(out, 0)) return false;
        skipSpace();
        if (m_i != m_s.size()) return fail("unexpected text after the JSON value");
        return true;
    }
    const std::string& error() const { return m_error; }

private:
    bool fail(std::string message) {
        if (m_error.empty()) m_error = message + " at offset " + std::to_string(m_i);
        return false;
    }
    void skipSpace() {
        while (m_i < m_s.size() && (m_s[m_i] == ' ' || m_s[m_i] == '\t' || m_s[m_i] == '\n' || m_s[m_i] == '\r'))
            ++m_i;
    }
    bool literal(std::string_view word) {
        if (m_s.substr(m_i, word.size()) != word) return fail("invalid literal");
        m_i += word.size();
        return true;
    }
    bool parseValue(JsonValue& out, int depth) {
        if (depth > 32) return fail("nesting too deep");
        if (++m_values > kMaxJsonValues)
            return fail("more than " + std::to_string(kMaxJsonValues) + " values in one line");
        if (m_i >= m_s.size()) return fail("unexpected end of line");
        switch (m_s[m_i]) {
        case '{': return parseObject(out, depth);
        case '[': return parseArray(out, depth);
        case '"':
            out.type = JsonValue::Type::String;
            return parseString(out.string);
        case 't':
            out.type = JsonValue::Type::Bool;
            out.boolean = true;
            return literal("true");
        case 'f':
            out.type = JsonValue::Type::Bool;
            out.boolean = false;
            return literal("false");
        case 'n': out.type = JsonValue::Type::Null; return literal("null");
        default: return parseNumber(out);
        }
    }
    bool parseNumber(JsonValue& out) {
        const std::size_t start = m_i;
        if (m_i < m_s.size() && m_s[m_i] == '-') ++m_i;
        while (m_i < m_s.size() && m_s[m_i] >= '0' && m_s[m_i] <= '9') ++m_i;
        if (m_i < m_s.size() && (m_s[m_i] == '.' || m_s[m_i] == 'e' || m_s[m_i] == 'E'))
            return fail("only whole numbers are used in this format");
        std::int64_t v = 0;
        const auto [end, ec] = std::from_chars(m_s.data() + start, m_s.data() + m_i, v);
        if (ec != std::errc() || end != m_s.data() + m_i || m_i == start) return fail("invalid number");
        out.type = JsonValue::Type::Number;
        out.number = v;
        return true;
    }
    static void appendUtf8(std::string& out, unsigned cp) {
        if (cp < 0x80) {
            out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
            out.push_back(static_cast<char>(0xc0 | (cp >> 6)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else if (cp < 0x10000) {
            out.push_back(static_cast<char>(0xe0 | (cp >> 12)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        } else {
            out.push_back(static_cast<char>(0xf0 | (cp >> 18)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3f)));
            out.push_back(static_cast<char>(0x80 | (cp & 0x3f)));
        }
    }
    bool hex4(unsigned& v) {
        if (m_i + 4 > m_s.size()) return fail("incomplete \\u escape");
        v = 0;
        for (int k = 0; k < 4; ++k) {
            const char c = m_s[m_i++];
            const int d = hexValue(c);
            if (d < 0) return fail("invalid \\u escape");
            v = v * 16 + static_cast<unsigned>(d);
        }
        return true;
    }
    bool parseString(std::string& out) {
        ++m_i;  // the opening quote
        for (;;) {
            if (m_i >= m_s.size()) return fail("unterminated string");
            const char c = m_s[m_i++];
            if (c == '"') return true;
            if (static_cast<unsigned char>(c) < 0x20) return fail("control character in a string");
            if (c != '\\') {
                out.push_back(c);
                continue;
            }
            if (m_i >= m_s.size()) return fail("unterminated string");
            const char e = m_s[m_i++];
            switch (e) {
            case '"': out.push_back('"'); break;
            case '\\': out.push_back('\\'); break;
            case '/': out.push_back('/'); break;
            case 'b': out.push_back('\b'); break;
            case 'f': out.push_back('\f'); break;
            case 'n': out.push_back('\n'); break;
            case 'r': out.push_back('\r'); break;
            case 't': out.push_back('\t'); break;
            case 'u': {
                unsigned cp = 0;
                if (!hex4(cp)) return false;
                if (cp >= 0xd800 && cp <= 0xdbff) {
                    unsigned lo = 0;
                    if (m_s.substr(m_i, 2) != "\\u") return fail("unpaired surrogate");
                    m_i += 2;
                    if (!hex4(lo) || lo < 0xdc00 || lo > 0xdfff) return fail("unpaired surrogate");
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                    return fail("unpaired surrogate");
                }
                appendUtf8(out, cp);
                break;
            }
            default: return fail("invalid escape in a string");
            }
        }
    }
    bool parseArray(JsonValue& out, int depth) {
        out.type = JsonValue::Type::Array;
        if (emptyAfterOpening(']')) return true;
        for (bool more = true; more;) {
            JsonValue v;
            skipSpace();
            if (!parseValue(v, depth + 1)) return false;
            out.array.push_back(std::move(v));
            if (!afterElement(']', "array", more)) return false;
        }
        return true;
    }
    bool parseObject(JsonValue& out, int depth) {
        out.type = JsonValue::Type::Object;
        if (emptyAfterOpening('}')) return true;
        for (bool more = true; more;) {
            skipSpace();
            if (m_i >= m_s.size() || m_s[m_i] != '"') return fail("expected a field name");
            std::string name;
            if (!parseString(name)) return false;
            skipSpace();
            if (m_i >= m_s.size() || m_s[m_i] != ':') return fail("expected ':'");
            ++m_i;
            skipSpace();
            JsonValue v;
            if (!parseValue(v, depth + 1)) return false;
            out.keys.push_back(std::move(name));
            out.values.push_back(std::move(v));
            if (!afterElement('}', "object", more)) return false;
        }
        return true;
    }
    // At an array's or object's opening bracket: steps past it, and past
    // `close` too when that follows at once (true: it is empty).
    bool emptyAfterOpening(char close) {
        ++m_i;
        skipSpace();
        if (m_i < m_s.size() && m_s[m_i] == close) {
            ++m_i;
            return true;
        }
        return false;
    }
    // After an element of an array or object (`what`): a ',' says `more`
    // follow, `close` ends it; anything else, or the end of the text, fails.
    bool afterElement(char close, const char* what, bool& more) {
        skipSpace();
        if (m_i >= m_s.size()) return fail(std::string("unterminated ") + what);
        if (m_s[m_i] != ',' && m_s[m_i] != close) return fail(std::string("expected ',' or '") + close + "'");
        more = m_s[m_i] == ',';
        ++m_i;
        return true;
    }

    std::string_view m_s;
    std::size_t m_i = 0;
    std::size_t m_values = 0;
    std::string m_error;
};

}  // namespace

bool parseJsonObjectLine(std::string_view line, JsonValue& out, std::string* error) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    Parser p(line);
    if (!p.parseDocument(out)) {
        if (error) *error = "not valid JSON: " + p.error();
        return false;
    }
    if (out.type != JsonValue::Type::Object) {
        if (error) *error = "a session line must be a JSON object";
        return false;
    }
    return true;
}

const JsonValue* JsonFields::field(std::string_view k, JsonValue::Type t, bool required) {
    const JsonValue* v = m_obj.get(k);
    if (!v) {
        if (required) fail("missing field '" + std::string(k) + "'");
        return nullptr;
    }
    if (v->type != t) {
        fail("field '" + std::string(k) + "' has the wrong type");
        return nullptr;
    }
    return v;
}

std::int64_t JsonFields::num(std::string_view k, bool required) {
    const JsonValue* v = field(k, JsonValue::Type::Number, required);
    return v ? v->number : 0;
}

std::string JsonFields::str(std::string_view k, bool required) {
    const JsonValue* v = field(k, JsonValue::Type::String, required);
    return v ? v->string : std::string();
}

bool JsonFields::boolean(std::string_view k, bool required) {
    const JsonValue* v = field(k, JsonValue::Type::Bool, required);
    return v ? v->boolean : false;
}

}  // namespace engine
