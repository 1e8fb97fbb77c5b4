// PresetFiles.h — the shipped presets (resources/presets), read by the program tests.
#pragma once

#include "engine/program/Program.h"

#include <QFile>
#include <QString>

#include <memory>
#include <stdexcept>
#include <string>

namespace lwtest {

inline std::string readPresetText(const std::string& name) {
    QFile f(QStringLiteral(LW_PRESETS_DIR "/") + QString::fromStdString(name) + QStringLiteral(".lwp"));
    if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read preset " + name);
    return f.readAll().toStdString();
}

inline std::shared_ptr<const engine::program::Program> preset(const std::string& name) {
    std::string error;
    auto p = engine::program::Program::parse(readPresetText(name), name + ".lwp", &error);
    if (!p) throw std::runtime_error(error);
    return std::make_shared<const engine::program::Program>(std::move(*p));
}

inline std::shared_ptr<const engine::program::Program> program(const std::string& text, std::string* error = nullptr) {
    std::string why;
    auto p = engine::program::Program::parse(text, "test.lwp", &why);
    if (!p) {
        if (error) *error = why;
        return nullptr;
    }
    return std::make_shared<const engine::program::Program>(std::move(*p));
}

}  // namespace lwtest
