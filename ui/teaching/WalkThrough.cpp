// WalkThrough.cpp — the tours' texts and the step widget.
#include "ui/teaching/WalkThrough.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QVBoxLayout>

namespace ui {

std::vector<TourStep> tour(const QString& name) {
    if (name == QLatin1String("echo-length"))
        return {
            {QObject::tr("Press Step (Ctrl+F7) until the first row shows EchoServer handle_accept. A listening "
                         "dispatcher is readable when a connection is waiting; handle_accept() accepts it, makes "
                         "an EchoHandler for the new socket, and closes the server: the tutorial serves one "
                         "client."),
             QStringLiteral("handle_accept")},
            {QObject::tr("The client's handle_connect() pushes \"ECHO 231\\n\" and then the message through an "
                         "EchoProducer. Watch initiate_send → send: with ac_out_buffer_size = 64 each send "
                         "carries at most 64 bytes, so the message leaves in four pieces, one per pass."),
             QStringLiteral("handle_connect")},
            {QObject::tr("On the handler: handle_read → recv → collect_incoming_data → found_terminator. The "
                         "terminator is \"\\n\", so the first found_terminator() comes with \"ECHO 231\". In "
                         "_process_command() the handler calls set_terminator(231): from now on it counts bytes "
                         "instead of looking for \"\\n\" — and the switch applies at once to what is already "
                         "buffered."),
             QStringLiteral("found_terminator")},
            {QObject::tr("Step on: each read brings at most 64 bytes (ac_in_buffer_size = 64), and "
                         "collect_incoming_data is called once per read with no found_terminator until the "
                         "231st byte. A newline inside the message would not matter any more: only the count "
                         "does."),
             QStringLiteral("collect_incoming_data")},
            {QObject::tr("At the 231st byte found_terminator() runs _process_message(): push() the whole "
                         "message, then close_when_done(). The handler stays writable until the producer fifo "
                         "is empty, then the close marker closes it — watch handle_close on the client after "
                         "its own found_terminator printed RECEIVED COPY OF MESSAGE."),
             QStringLiteral("close_when_done")},
        };
    if (name == QLatin1String("http"))
        return {
            {QObject::tr("The HTTPClient's writable() is len(self.buffer) > 0: it asks to write only while "
                         "the request is unsent. Step (Ctrl+F7) and watch handle_connect, then handle_write → send "
                         "of \"GET / HTTP/1.0\\r\\n\\r\\n\"."),
             QStringLiteral("handle_write")},
            {QObject::tr("http_request_handler starts with set_terminator(b\"\\r\\n\\r\\n\"): the headers end "
                         "at the first empty line. If the \"\\r\\n\\r\\n\" arrives split across two reads, "
                         "find_prefix_at_end holds the partial \"\\r\\n\" back in the input buffer until the "
                         "rest comes, so found_terminator() still sees the whole header block once."),
             QStringLiteral("found_terminator")},
            {QObject::tr("A GET has no body: found_terminator() sets the terminator to None and answers at "
                         "once. The second HTTPClient sends a POST: found_terminator() reads its Content-Length "
                         "and calls set_terminator(int(clen)) — a count terminator, marked ★ in the loop "
                         "picture — so the body may contain \"\\r\\n\\r\\n\" freely; the next "
                         "found_terminator() comes when that many bytes have arrived."),
             QStringLiteral("found_terminator")},
            {QObject::tr("handle_request() pushes the response and calls close_when_done(). The client's "
                         "handle_read prints what arrives; when the server closes, recv() returns b\"\" and "
                         "handle_close() runs on the client."),
             QStringLiteral("handle_read")},
        };
    if (name == QLatin1String("echo"))
        return {
            {QObject::tr("The asyncore echo server uses no terminator at all: EchoHandler is a "
                         "dispatcher_with_send. Step (Ctrl+F7) until EchoServer handle_accepted: asyncore accepted "
                         "the socket and hands it to you with the peer's address."),
             QStringLiteral("handle_accepted")},
            {QObject::tr("handle_read() calls recv(8192) and send()s what it got. dispatcher_with_send.send() "
                         "appends to out_buffer and tries initiate_send() at once; what the socket does not "
                         "take stays in out_buffer."),
             QStringLiteral("handle_read")},
            {QObject::tr("writable() is \"not connected or out_buffer not empty\": watch the writable() column "
                         "— the handler asks to write only while it has something left to send."),
             QStringLiteral("handle_write")},
        };
    return {};
}

WalkThrough::WalkThrough(QWidget* parent)
    : QWidget(parent),
      m_counter(new QLabel(this)),
      m_text(new QLabel(this)),
      m_back(new QPushButton(tr("&Back"), this)),
      m_next(new QPushButton(tr("&Next"), this)) {
    setObjectName(QStringLiteral("walkThrough"));
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_text->setObjectName(QStringLiteral("walkThroughText"));
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_counter);
    buttons->addStretch(1);
    buttons->addWidget(m_back);
    buttons->addWidget(m_next);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addLayout(buttons);
    layout->addWidget(m_text);
    connect(m_back, &QPushButton::clicked, this, &WalkThrough::back);
    connect(m_next, &QPushButton::clicked, this, &WalkThrough::next);
    show(0);
}

void WalkThrough::setTour(const QString& exampleName) {
    m_steps = tour(exampleName);
    show(0);
}

QString WalkThrough::currentText() const {
    return m_index < stepCount() ? m_steps[static_cast<std::size_t>(m_index)].text : QString();
}

void WalkThrough::next() { show(m_index + 1); }
void WalkThrough::back() { show(m_index - 1); }

void WalkThrough::show(int index) {
    const int n = stepCount();
    m_index = n == 0 ? 0 : std::clamp(index, 0, n - 1);
    m_back->setEnabled(m_index > 0);
    m_next->setEnabled(m_index + 1 < n);
    if (n == 0) {
        m_counter->setText(tr("Guided tour"));
        m_text->setText(tr("Pick an example from the Examples menu."));
        return;
    }
    m_counter->setText(tr("Guided tour — step %1 of %2").arg(m_index + 1).arg(n));
    const TourStep& s = m_steps[static_cast<std::size_t>(m_index)];
    m_text->setText(s.text);
    emit pointAt(s.hook);
}

}  // namespace ui
