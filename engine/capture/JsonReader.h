// JsonReader.h — reading the JSON of the session format, one line at a
// time, with messages that say what is wrong and where.
//
// What it does: parseJsonObjectLine() parses one line (a trailing CR/LF is
// allowed) into a JsonValue that must be an object; it refuses what is not
// JSON ("not valid JSON: expected ':' at offset 12"), fractions and
// exponents (the format has whole numbers only), unpaired surrogates,
// nesting deeper than 32, and more than kMaxJsonValues values in one line
// (each value costs far more memory parsed than the few bytes it takes in
// the line, and a session line may be hundreds of MiB: `[0,0,0,…]` must not
// make that tens of GiB). JsonFields reads the members of one object with a
// complaint for the first thing that is missing or of the wrong type
// ("missing field 'size'", "field 'seq' has the wrong type"); later failures
// do not overwrite it.
// What it owns: the parsed values (JsonValue); JsonFields only looks at one.
// Threads: any; values and readers are not shared.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace engine {

/// The most values (numbers, strings, arrays, objects, … at any depth) one line may hold.
inline constexpr std::size_t kMaxJsonValues = std::size_t{1} << 18;

struct JsonValue {
    enum class Type { Null, Bool, Number, String, Array, Object };
    Type type = Type::Null;
    bool boolean = false;
    std::int64_t number = 0;
    std::string string;
    std::vector<JsonValue> array;
    // An object's members: keys[i] names values[i]. (Two vectors, because a
    // pair of a still incomplete JsonValue is not allowed.)
    std::vector<std::string> keys;
    std::vector<JsonValue> values;

    /// The member named `k` (the first, if repeated), or nullptr.
    const JsonValue* get(std::string_view k) const {
        for (std::size_t i = 0; i < keys.size(); ++i)
            if (keys[i] == k) return &values[i];
        return nullptr;
    }
};

/// Parses `line` into `out`. False with `error` set ("not valid JSON: …",
/// "a session line must be a JSON object") when it is not one JSON object.
bool parseJsonObjectLine(std::string_view line, JsonValue& out, std::string* error);

/// The members of one object, read with a precise complaint; the first failure sticks.
class JsonFields {
public:
    explicit JsonFields(const JsonValue& object) : m_obj(object) {}

    bool ok() const { return m_error.empty(); }
    const std::string& error() const { return m_error; }
    /// Records `message` unless something failed already.
    void fail(std::string message) {
        if (m_error.empty()) m_error = std::move(message);
    }

    /// The member `k` if it is there and of type `t`; nullptr (and, when
    /// `required` or of the wrong type, a failure) otherwise.
    const JsonValue* field(std::string_view k, JsonValue::Type t, bool required);
    /// The member's value, or 0 / "" / false when it is missing.
    std::int64_t num(std::string_view k, bool required = true);
    std::string str(std::string_view k, bool required = true);
    bool boolean(std::string_view k, bool required = true);
    bool has(std::string_view k) const { return m_obj.get(k) != nullptr; }
    const JsonValue& object() const { return m_obj; }

private:
    const JsonValue& m_obj;
    std::string m_error;
};

}  // namespace engine
