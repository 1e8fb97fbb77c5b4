// TerminatorEdit.cpp — presets, count, none or custom escaped terminator.
#include "ui/views/TerminatorEdit.h"

#include "engine/asyncore/Escape.h"
#include "ui/views/EscapeEdit.h"
#include "ui/views/ViewColors.h"

#include <QApplication>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QFocusEvent>
#include <QKeyEvent>
#include <QLabel>
#include <QScopedValueRollback>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>
#include <QWheelEvent>

#include <functional>
#include <limits>

namespace ui {
namespace {

// The presets list. Browsing it on the keyboard or with the wheel while it
// is closed (arrows, Page Up/Down, Home/End, a letter, a wheel turn) moves
// the choice without choosing: QComboBox says `activated` for those too, so
// the list tells them apart (browsing()); Enter and leaving it are reported.
class PresetBox : public QComboBox {
public:
    using QComboBox::QComboBox;

    bool browsing() const { return m_browsing; }
    std::function<void()> onEnter;
    std::function<void()> onFocusLeft;

protected:
    void keyPressEvent(QKeyEvent* e) override {
        if ((e->key() == Qt::Key_Return || e->key() == Qt::Key_Enter) && onEnter) onEnter();
        const QScopedValueRollback<bool> browse(m_browsing, true);
        QComboBox::keyPressEvent(e);  // Enter stays ignored: a dialog's default button still sees it
    }
    void wheelEvent(QWheelEvent* e) override {
        const QScopedValueRollback<bool> browse(m_browsing, true);
        QComboBox::wheelEvent(e);
    }
    void focusOutEvent(QFocusEvent* e) override {
        QComboBox::focusOutEvent(e);
        // Its own list opening takes the focus for a while: that is not leaving.
        if (e->reason() != Qt::PopupFocusReason && onFocusLeft) onFocusLeft();
    }

private:
    bool m_browsing = false;
};

std::string presetBytes(int choice) {
    switch (choice) {
    case TerminatorEdit::Crlf: return "\r\n";
    case TerminatorEdit::Lf: return "\n";
    case TerminatorEdit::BlankLine: return "\r\n\r\n";
    case TerminatorEdit::Nul: return std::string(1, '\0');
    default: return {};
    }
}

}  // namespace

TerminatorEdit::TerminatorEdit(QWidget* parent) : QWidget(parent) {
    auto* presets = new PresetBox(this);
    m_presets = presets;
    m_presets->addItem(tr("\\r\\n  (CRLF)"));
    m_presets->addItem(tr("\\n  (LF)"));
    m_presets->addItem(tr("\\r\\n\\r\\n  (blank line)"));
    m_presets->addItem(tr("\\0  (NUL)"));
    m_presets->addItem(tr("Byte count"));
    m_presets->addItem(tr("None (collect all)"));
    m_presets->addItem(tr("Custom"));
    m_presets->setToolTip(tr("The terminator found_terminator() waits for"));
    m_presets->setSizeAdjustPolicy(QComboBox::AdjustToContents);

    m_custom = new EscapeEdit(this);
    m_custom->setPlaceholderText(tr("escaped bytes, e.g. \\r\\n or END\\n"));
    m_custom->setToolTip(tr("Custom terminator bytes: \\r \\n \\t \\0 \\\\ \\xNN"));
    m_custom->setMinimumWidth(fontMetrics().horizontalAdvance(QStringLiteral("xxxxxxxxxxxx")));

    m_count = new QSpinBox(this);
    m_count->setRange(1, std::numeric_limits<int>::max());
    m_count->setValue(16);
    m_count->setSuffix(tr(" bytes"));
    m_count->setToolTip(tr("Frame fixed-size records of this many bytes"));
    m_count->installEventFilter(this);

    auto* placeholder = new QWidget(this);
    m_stack = new QStackedWidget(this);
    m_stack->addWidget(placeholder);  // presets and none: nothing to edit
    m_stack->addWidget(m_count);
    m_stack->addWidget(m_custom);
    m_stack->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    m_presets->setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);

    m_error = new QLabel(this);
    m_error->setWordWrap(true);
    m_error->setVisible(false);
    m_error->setTextFormat(Qt::PlainText);
    {
        QPalette p = m_error->palette();
        p.setColor(QPalette::WindowText, ViewColors::forPalette(palette()).error);
        m_error->setPalette(p);
    }

    m_row = new QHBoxLayout;
    m_row->setContentsMargins(0, 0, 0, 0);
    m_row->addWidget(m_presets);
    m_row->addWidget(m_stack, 1);
    auto* col = new QVBoxLayout(this);
    col->setContentsMargins(0, 0, 0, 0);
    col->setSpacing(2);
    col->addLayout(m_row);
    col->addWidget(m_error);

    setFocusProxy(m_presets);
    presets->onEnter = [this] { commitBrowsed(); };
    presets->onFocusLeft = [this] {
        // Leaving for the field of the choice (Byte count, Custom) is not
        // leaving the editor: Enter there applies.
        QWidget* to = QApplication::focusWidget();
        if (to && (to == m_custom || to == m_count || m_count->isAncestorOf(to))) return;
        commitBrowsed();
    };
    connect(m_presets, &QComboBox::activated, this, &TerminatorEdit::onPresetActivated);
    connect(m_presets, &QComboBox::currentIndexChanged, this, [this](int) { updateState(); });
    connect(m_custom, &EscapeEdit::edited, this, &TerminatorEdit::updateState);
    connect(m_custom, &EscapeEdit::submitted, this, &TerminatorEdit::commitIfValid);
    connect(m_count, &QSpinBox::valueChanged, this, [this](int) { updateState(); });
    updateState();
}

// The preset box outlives this object's own destructor body (children go in
// ~QWidget), and losing the focus as they go would call back into a half
// destroyed editor: its callbacks are cleared first.
TerminatorEdit::~TerminatorEdit() {
    auto* presets = static_cast<PresetBox*>(m_presets);
    presets->onEnter = nullptr;
    presets->onFocusLeft = nullptr;
}

TerminatorEdit::Choice TerminatorEdit::choice() const {
    return static_cast<Choice>(m_presets->currentIndex());
}

void TerminatorEdit::setChoice(Choice c) {
    m_browsed = false;
    m_presets->setCurrentIndex(static_cast<int>(c));
    updateState();
}

std::optional<engine::Terminator> TerminatorEdit::terminator() const {
    switch (choice()) {
    case Crlf:
    case Lf:
    case BlankLine:
    case Nul: return engine::Terminator::bytes(presetBytes(choice()));
    case Count: return engine::Terminator::count(m_count->value());
    case None: return engine::Terminator::none();
    case Custom: {
        const ParsedBytes p = m_custom->parsed();
        if (!p.ok() || p.bytes->isEmpty()) return std::nullopt;
        return engine::Terminator::bytes(std::string_view(p.bytes->constData(), static_cast<std::size_t>(p.bytes->size())));
    }
    }
    return std::nullopt;
}

QString TerminatorEdit::errorMessage() const {
    if (choice() != Custom) return {};
    const ParsedBytes p = m_custom->parsed();
    if (!p.ok()) return p.error;
    if (p.bytes->isEmpty()) return tr("Type at least one byte, or choose None to collect everything unframed.");
    return {};
}

void TerminatorEdit::setTerminator(const engine::Terminator& t) {
    Choice c = Custom;
    if (t.isNone() || (t.isBytes() && t.bytesValue().empty()) || (t.isCount() && t.countValue() == 0)) {
        c = None;
    } else if (t.isCount()) {
        c = Count;
        m_count->setValue(static_cast<int>(qMin<std::uint64_t>(t.countValue(), static_cast<std::uint64_t>(m_count->maximum()))));
    } else {
        for (int k = Crlf; k <= Nul; ++k) {
            if (presetBytes(k) == t.bytesValue()) {
                c = static_cast<Choice>(k);
                break;
            }
        }
        if (c == Custom) m_custom->setText(QString::fromStdString(engine::renderEscaped(t.bytesValue())));
    }
    m_browsed = false;
    m_presets->setCurrentIndex(c);
    updateState();
}

QString TerminatorEdit::spec() const {
    const auto t = terminator();
    return t ? QString::fromStdString(engine::terminatorSpec(*t)) : QString();
}

void TerminatorEdit::setErrorNoteVisible(bool visible) {
    m_showError = visible;
    updateState();
}

void TerminatorEdit::setStacked(bool stacked) {
    m_row->setDirection(stacked ? QBoxLayout::TopToBottom : QBoxLayout::LeftToRight);
    m_custom->setMinimumWidth(stacked ? 0 : fontMetrics().horizontalAdvance(QStringLiteral("xxxxxxxxxxxx")));
}

void TerminatorEdit::onPresetActivated(int index) {
    updateState();
    if (static_cast<PresetBox*>(m_presets)->browsing()) {
        // Passing over it: applied when chosen (Enter, leaving the list).
        m_browsed = true;
        return;
    }
    m_browsed = false;
    if (index == Custom) {
        m_custom->setFocus();
        return;
    }
    if (index == Count) {
        m_count->setFocus();
        m_count->selectAll();
        return;
    }
    commitIfValid();
}

void TerminatorEdit::updateState() {
    const Choice c = choice();
    m_stack->setCurrentIndex(c == Count ? 1 : (c == Custom ? 2 : 0));
    m_stack->setVisible(c == Count || c == Custom);
    const QString err = errorMessage();
    m_error->setText(err);
    m_error->setVisible(m_showError && !err.isEmpty());
    const bool valid = err.isEmpty();
    emit changed();
    if (valid != m_lastValid) {
        m_lastValid = valid;
        emit validityChanged(valid);
    }
}

void TerminatorEdit::commitBrowsed() {
    if (!m_browsed) return;
    m_browsed = false;
    // Byte count and Custom apply with Enter in their field.
    if (choice() == Count || choice() == Custom) return;
    commitIfValid();
}

void TerminatorEdit::commitIfValid() {
    if (const auto t = terminator()) emit committed(*t);
}

void TerminatorEdit::changeEvent(QEvent* event) {
    if (event->type() == QEvent::PaletteChange) {
        QPalette p = palette();
        p.setColor(QPalette::WindowText, ViewColors::forPalette(palette()).error);
        m_error->setPalette(p);
    }
    QWidget::changeEvent(event);
}

bool TerminatorEdit::eventFilter(QObject* watched, QEvent* event) {
    if (watched == m_count && event->type() == QEvent::KeyPress) {
        auto* key = static_cast<QKeyEvent*>(event);
        if (key->key() == Qt::Key_Return || key->key() == Qt::Key_Enter) {
            m_count->interpretText();
            commitIfValid();
            return false;  // a dialog's default button still sees Enter
        }
    }
    return QWidget::eventFilter(watched, event);
}

}  // namespace ui
