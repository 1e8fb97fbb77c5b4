// EnumNames.h — an enum's names as one table, read both ways.
//
// What it does: an enum whose values run 0, 1, 2, … keeps its names in one
// std::array, in the values' order; enumName() is the name of a value
// (`otherwise`, "?" unless given, for a value past the table),
// parseEnumName() the value of a name (nullopt for none; only the rows
// [first, end) are looked at); LW_ENUM_NAMES defines an enum's pair of
// functions (name and parse) on them. Every layer's names go through them,
// so a name and its parse cannot drift apart.
// What it owns: nothing; header-only functions.
// Threads: any.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string_view>

namespace engine {

template <class E, std::size_t N>
constexpr std::string_view enumName(const std::array<std::string_view, N>& names, E value,
                                    std::string_view otherwise = "?") noexcept {
    const auto i = static_cast<std::size_t>(value);
    return i < N ? names[i] : otherwise;
}

template <class E, std::size_t N>
constexpr std::optional<E> parseEnumName(const std::array<std::string_view, N>& names, std::string_view name,
                                         std::size_t first = 0, std::size_t end = N) noexcept {
    for (std::size_t i = first; i < end && i < N; ++i)
        if (names[i] == name) return static_cast<E>(i);
    return std::nullopt;
}

}  // namespace engine

/// Defines `std::string_view nameFn(Enum) noexcept` (enumName) and
/// `std::optional<Enum> parseFn(std::string_view) noexcept` (parseEnumName)
/// on the one table `names`, in the namespace where it stands.
#define LW_ENUM_NAMES(Enum, nameFn, parseFn, names)                                                       \
    std::string_view nameFn(Enum value) noexcept { return ::engine::enumName(names, value); }             \
    std::optional<Enum> parseFn(std::string_view name) noexcept {                                         \
        return ::engine::parseEnumName<Enum>(names, name);                                                \
    }
