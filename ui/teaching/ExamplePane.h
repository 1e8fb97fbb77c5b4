// ExamplePane.h — "About this example": the running example's description,
// its C++ source with the hook that just ran highlighted, its passes and log,
// the controls (run, pause, step, resume, slow motion, stop) and the guided
// tour.
//
// What it does: start(name) runs the example in an ExampleHost — hosted in
// the window's Reactor, so its dispatchers are channels of the window and the
// Loop inspector shows its passes — paused, so the student steps from the
// first pass. Pause / Step / Resume / Slow motion here are the loop's own. Each
// reported pass adds a row "pass N: hooks…" and the pane shows the source
// file of the last hook that the example's own code defines, with that
// method's line highlighted; a hook the example inherits (handle_read of
// async_chat, say) is named as the engine's. The tour's steps point at hooks
// the same way.
// What it owns: its widgets and the ExampleHost.
// Threads: GUI thread.
#pragma once
#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
class QToolBar;

namespace ui {

class EngineBridge;
class ExampleHost;
struct ExamplePass;
class WalkThrough;

class ExamplePane : public QWidget {
    Q_OBJECT

public:
    explicit ExamplePane(EngineBridge* bridge, QWidget* parent = nullptr);
    ~ExamplePane() override;

    /// Runs example `name` (paused unless `paused` is false). False and a
    /// message in the pane if it could not start.
    bool start(const QString& name, bool paused = true);
    void stop();

    ExampleHost* host() const { return m_host; }
    WalkThrough* walkThrough() const { return m_tour; }
    QString exampleName() const { return m_name; }
    /// The file shown ("EchoLengthHandler.cpp") and the highlighted line (1-based, 0: none).
    QString currentFile() const { return m_file; }
    int highlightedLine() const noexcept { return m_line; }
    /// What the last hook label says ("EchoHandler.found_terminator → …").
    QString hookText() const;
    int passRows() const;

    QAction* stepAction() const { return m_step; }

public slots:
    /// Shows the source of `hook` of the example's class `pythonClass`
    /// (empty: any class of the example that defines it).
    bool showHook(const QString& pythonClass, const QString& hook);

private:
    void onPass(const ExamplePass& pass);
    void showFile(const QString& file);
    void updateControls();

    ExampleHost* m_host;
    QString m_name;
    QString m_file;
    int m_line = 0;
    QToolBar* m_toolBar;
    QAction* m_run;
    QAction* m_pause;
    QAction* m_step;
    QAction* m_resume;
    QAction* m_slow;
    QAction* m_stop;
    QSpinBox* m_delay;
    QLabel* m_title;
    QLabel* m_summary;
    WalkThrough* m_tour;
    QComboBox* m_files;
    QPlainTextEdit* m_source;
    QLabel* m_hook;
    QListWidget* m_passes;
    QPlainTextEdit* m_log;
};

}  // namespace ui
