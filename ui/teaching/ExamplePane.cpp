// ExamplePane.cpp — the example's source, passes, log and controls.
#include "ui/teaching/ExamplePane.h"

#include "examples/ExampleRunner.h"
#include "ui/teaching/ExampleHost.h"
#include "ui/teaching/WalkThrough.h"
#include "ui/views/ViewColors.h"

#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QFontDatabase>
#include <QLabel>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSpinBox>
#include <QSplitter>
#include <QTextBlock>
#include <QToolBar>
#include <QVBoxLayout>

namespace ui {

namespace {

QString qs(std::string_view s) { return QString::fromUtf8(s.data(), static_cast<qsizetype>(s.size())); }

/// "found_terminator" → "foundTerminator".
QString camel(const QString& hook) {
    QString out;
    bool up = false;
    for (QChar c : hook) {
        if (c == QLatin1Char('_')) {
            up = true;
            continue;
        }
        out += up ? c.toUpper() : c;
        up = false;
    }
    return out;
}

QString readSource(const QString& file) {
    QFile f(QString::fromStdString(examples::sourceDirectory()) + QLatin1Char('/') + file);
    if (!f.open(QIODevice::ReadOnly | QIODevice::Text))
        return QObject::tr("// %1: the source is not installed with this build.").arg(file);
    return QString::fromUtf8(f.readAll());
}

/// The 1-based line of `Cpp::method(` in `text`, else of `method(` after
/// `class Cpp`, else 0.
int findMethod(const QString& text, const QString& cpp, const QString& method) {
    qsizetype at = text.indexOf(cpp + QStringLiteral("::") + method + QLatin1Char('('));
    if (at < 0) {
        const qsizetype cls = text.indexOf(QStringLiteral("class ") + cpp + QLatin1Char(' '));
        if (cls >= 0) at = text.indexOf(QLatin1Char(' ') + method + QLatin1Char('('), cls);
    }
    if (at < 0) return 0;
    return static_cast<int>(text.left(at).count(QLatin1Char('\n'))) + 1;
}

}  // namespace

ExamplePane::ExamplePane(EngineBridge* bridge, QWidget* parent)
    : QWidget(parent),
      m_host(new ExampleHost(bridge, this)),
      m_toolBar(new QToolBar(tr("Example"), this)),
      m_delay(new QSpinBox(this)),
      m_title(new QLabel(this)),
      m_summary(new QLabel(this)),
      m_tour(new WalkThrough(this)),
      m_files(new QComboBox(this)),
      m_source(new QPlainTextEdit(this)),
      m_hook(new QLabel(this)),
      m_passes(new QListWidget(this)),
      m_log(new QPlainTextEdit(this)) {
    setObjectName(QStringLiteral("examplePane"));
    m_run = m_toolBar->addAction(tr("Run again"), this, [this] {
        if (!m_name.isEmpty()) start(m_name);
    });
    m_pause = m_toolBar->addAction(tr("Pause"), this, [this] {
        m_host->pause();
        updateControls();
    });
    m_step = m_toolBar->addAction(tr("Step"), this, [this] {
        m_host->step();
        updateControls();
    });
    m_step->setObjectName(QStringLiteral("exampleStep"));
    m_resume = m_toolBar->addAction(tr("Resume"), this, [this] {
        m_host->resume();
        updateControls();
    });
    m_pause->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F6));
    m_step->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F7));
    m_resume->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_F8));
    for (QAction* a : {m_pause, m_step, m_resume}) {
        a->setShortcutContext(Qt::WindowShortcut);
        a->setToolTip(QStringLiteral("%1 (%2)").arg(a->text(), a->shortcut().toString(QKeySequence::NativeText)));
    }
    m_slow = m_toolBar->addAction(tr("Slow motion"));
    m_slow->setCheckable(true);
    m_delay->setRange(50, 5000);
    m_delay->setSingleStep(50);
    m_delay->setValue(500);
    m_delay->setSuffix(tr(" ms/pass"));
    m_toolBar->addWidget(m_delay);
    m_stop = m_toolBar->addAction(tr("Stop"), this, [this] { stop(); });
    connect(m_slow, &QAction::toggled, this, [this](bool on) {
        m_host->setDelay(on ? m_delay->value() : 0);
        if (on) m_host->resume();
        updateControls();
    });
    connect(m_delay, qOverload<int>(&QSpinBox::valueChanged), this, [this](int ms) {
        if (m_slow->isChecked()) m_host->setDelay(ms);
    });

    QFont title = m_title->font();
    title.setBold(true);
    m_title->setFont(title);
    m_summary->setWordWrap(true);
    const QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    m_source->setReadOnly(true);
    m_source->setFont(mono);
    m_source->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_source->setObjectName(QStringLiteral("exampleSource"));
    m_log->setReadOnly(true);
    m_log->setFont(mono);
    m_log->setMaximumBlockCount(5000);
    m_passes->setFont(mono);
    m_passes->setObjectName(QStringLiteral("examplePasses"));
    m_hook->setWordWrap(true);
    m_hook->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* sourceBox = new QWidget(this);
    auto* sl = new QVBoxLayout(sourceBox);
    sl->setContentsMargins(0, 0, 0, 0);
    sl->addWidget(m_files);
    sl->addWidget(m_hook);
    sl->addWidget(m_source, 1);
    auto* right = new QSplitter(Qt::Vertical, this);
    right->addWidget(m_passes);
    right->addWidget(m_log);
    auto* split = new QSplitter(Qt::Horizontal, this);
    split->addWidget(sourceBox);
    split->addWidget(right);
    split->setStretchFactor(0, 3);
    split->setStretchFactor(1, 2);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_toolBar);
    layout->addWidget(m_title);
    layout->addWidget(m_summary);
    layout->addWidget(m_tour);
    layout->addWidget(split, 1);

    connect(m_files, &QComboBox::currentTextChanged, this, [this](const QString& f) {
        if (!f.isEmpty() && f != m_file) showFile(f);
    });
    connect(m_host, &ExampleHost::logLine, m_log, &QPlainTextEdit::appendPlainText);
    connect(m_host, &ExampleHost::passDone, this, &ExamplePane::onPass);
    connect(m_host, &ExampleHost::started, this, [this](quint16 port) {
        m_log->appendPlainText(m_host->isPaused()
                                   ? tr("Started %1 on 127.0.0.1:%2, paused: press Step (Ctrl+F7) to run one loop "
                                        "pass. Its channels are in the Channels panel, its passes in the Loop "
                                        "inspector.")
                                         .arg(m_name)
                                         .arg(port)
                                   : tr("Started %1 on 127.0.0.1:%2.").arg(m_name).arg(port));
    });
    connect(m_host, &ExampleHost::finished, this, [this](bool ok) {
        m_log->appendPlainText(ok ? tr("— the example finished: the client got what it expected.")
                                  : tr("— the example finished, but the client did not get what it expected."));
        updateControls();
    });
    connect(m_tour, &WalkThrough::pointAt, this, [this](const QString& hook) {
        if (!hook.isEmpty()) showHook(QString(), hook);
    });
    updateControls();
}

ExamplePane::~ExamplePane() = default;  // the host stops the example

bool ExamplePane::start(const QString& name, bool paused) {
    const examples::ExampleInfo* info = examples::findExample(name.toStdString());
    if (!info) return false;
    m_name = name;
    m_passes->clear();
    m_log->clear();
    m_title->setText(qs(info->title));
    m_summary->setText(qs(info->summary));
    m_files->blockSignals(true);
    m_files->clear();
    for (auto f : info->files) m_files->addItem(qs(f));
    m_files->blockSignals(false);
    m_file.clear();
    if (!info->files.empty()) showFile(qs(info->files.front()));
    m_tour->setTour(name);
    QString error;
    const bool ok = m_host->start(name, paused, &error);
    if (!ok) m_log->appendPlainText(tr("Could not start %1: %2").arg(name, error));
    m_slow->setChecked(false);
    updateControls();
    return ok;
}

void ExamplePane::stop() {
    m_host->stop();
    updateControls();
}

QString ExamplePane::hookText() const { return m_hook->text(); }
int ExamplePane::passRows() const { return m_passes->count(); }

void ExamplePane::onPass(const ExamplePass& p) {
    QStringList hooks;
    for (const ExampleHook& h : p.hooks) hooks << QStringLiteral("%1#%2.%3").arg(h.pythonClass).arg(h.dispatcher).arg(h.hook);
    auto* item = new QListWidgetItem(QStringLiteral("pass %1 [%2]  ready: %3\n    %4")
                                         .arg(p.pass)
                                         .arg(p.backend, p.ready.join(QStringLiteral(", ")),
                                              hooks.join(QStringLiteral(" → "))));
    item->setToolTip(tr("readable(): %1\nwritable(): %2")
                         .arg(p.readable.join(QStringLiteral(", ")), p.writable.join(QStringLiteral(", "))));
    m_passes->addItem(item);
    m_passes->scrollToBottom();
    // Highlight the last hook of the pass that the example's own code defines.
    for (auto it = p.hooks.crbegin(); it != p.hooks.crend(); ++it)
        if (showHook(it->pythonClass, it->hook)) return;
    if (!p.hooks.isEmpty())
        m_hook->setText(tr("Last hook: %1.%2 — the engine's own (not overridden by this example).")
                            .arg(p.hooks.back().pythonClass, p.hooks.back().hook));
}

bool ExamplePane::showHook(const QString& pythonClass, const QString& hook) {
    const examples::ExampleInfo* info = examples::findExample(m_name.toStdString());
    if (!info) return false;
    const QString method = camel(hook);
    for (const examples::ExampleClass& c : info->classes) {
        if (!pythonClass.isEmpty() && qs(c.pythonName) != pythonClass) continue;
        const QString cpp = qs(c.cppName);
        for (const QString& file : {qs(c.file), qs(c.file).replace(QStringLiteral(".cpp"), QStringLiteral(".h"))}) {
            const QString text = readSource(file);
            int line = findMethod(text, cpp, method);
            if (line == 0 && pythonClass.isEmpty()) {
                // A tour step about a call (close_when_done) rather than a hook.
                const qsizetype at = text.indexOf(method + QLatin1Char('('));
                if (at >= 0 && text.indexOf(QStringLiteral("class ") + cpp) < 0 && file.endsWith(QLatin1String(".cpp")))
                    line = static_cast<int>(text.left(at).count(QLatin1Char('\n'))) + 1;
            }
            if (line == 0) continue;
            showFile(file);
            m_line = line;
            QTextBlock block = m_source->document()->findBlockByNumber(line - 1);
            QTextCursor cur(block);
            QTextEdit::ExtraSelection sel;
            sel.cursor = cur;
            sel.cursor.select(QTextCursor::LineUnderCursor);
            sel.format.setBackground(ViewColors::current().lineHighlight);  // text reads on it, light or dark
            sel.format.setProperty(QTextFormat::FullWidthSelection, true);
            m_source->setExtraSelections({sel});
            m_source->setTextCursor(cur);
            m_source->centerCursor();
            m_hook->setText(tr("Last hook: %1.%2 → %3::%4 (%5:%6)")
                                .arg(pythonClass.isEmpty() ? qs(c.pythonName) : pythonClass, hook, cpp, method, file)
                                .arg(line));
            return true;
        }
    }
    return false;
}

void ExamplePane::showFile(const QString& file) {
    if (file == m_file) return;
    m_file = file;
    m_line = 0;
    m_source->setPlainText(readSource(file));
    m_source->setExtraSelections({});
    const int i = m_files->findText(file);
    m_files->blockSignals(true);
    if (i >= 0)
        m_files->setCurrentIndex(i);
    else {
        m_files->addItem(file);
        m_files->setCurrentIndex(m_files->count() - 1);
    }
    m_files->blockSignals(false);
}

void ExamplePane::updateControls() {
    const bool running = m_host->isRunning();
    const bool paused = running && m_host->isPaused();
    m_run->setEnabled(!m_name.isEmpty());
    m_pause->setEnabled(running && !paused);
    m_step->setEnabled(running);
    m_resume->setEnabled(paused);
    m_slow->setEnabled(running);
    m_stop->setEnabled(running);
}

}  // namespace ui
