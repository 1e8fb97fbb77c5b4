// tst_StartTlsDialog.cpp — engine::tls::StartTlsDialog, the plaintext exchanges before a STARTTLS upgrade.
//
// Covered: SMTP (220 greeting, possibly multi-line; EHLO; a multi-line 250
// reply offering STARTTLS anywhere in it, or not at all; STARTTLS; 220),
// IMAP (* OK, untagged lines before the tagged OK), POP3 (+OK, STLS, +OK),
// FTP (120 then 220, a multi-line greeting with free text in between, AUTH
// TLS, 234); refusals ("454 TLS not available", "-ERR", "a1 NO", "534")
// fail with the line in the reason, control bytes escaped and long lines
// cut; after-match on either side (matched without the line ending);
// nothing happens after the dialogue has finished; bad patterns and
// protocols are refused when the dialogue is made.
#include "engine/tls/StartTlsDialog.h"

#include <QTest>

#include <stdexcept>
#include <string>

using engine::StartTlsProtocol;
using engine::tls::StartTlsDialog;
using Step = StartTlsDialog::Step;

namespace {

// Feeds `lines` in turn; returns the sends joined, and the final step.
struct Run {
    std::string sent;
    Step last;
    int steps = 0;
};

Run feed(StartTlsDialog& d, std::initializer_list<std::string_view> lines) {
    Run r;
    for (std::string_view l : lines) {
        r.last = d.onLine(l);
        r.sent += r.last.send;
        ++r.steps;
        if (r.last.upgrade || r.last.failed) break;
    }
    return r;
}

}  // namespace

class tst_StartTlsDialog : public QObject {
    Q_OBJECT

private slots:
    void smtpFullDialogue() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false, "client.example");
        QVERIFY(d.start().send.empty());
        Step s = d.onLine("220 mx.example ESMTP ready\r\n");
        QCOMPARE(QString::fromStdString(s.send), QStringLiteral("EHLO client.example\r\n"));
        QVERIFY(!s.upgrade && !s.failed);
        QVERIFY(d.onLine("250-mx.example greets you\r\n").send.empty());
        QVERIFY(d.onLine("250-SIZE 35882577\r\n").send.empty());
        QVERIFY(d.onLine("250-STARTTLS\r\n").send.empty());
        s = d.onLine("250 HELP\r\n");
        QCOMPARE(QString::fromStdString(s.send), QStringLiteral("STARTTLS\r\n"));
        QVERIFY(!s.upgrade);
        QVERIFY(!d.finished());
        s = d.onLine("220 2.0.0 Ready to start TLS\r\n");
        QVERIFY(s.upgrade);
        QVERIFY(!s.failed);
        QVERIFY(s.send.empty());
        QVERIFY(d.finished());
        // Later lines (they would be ciphertext) do nothing.
        s = d.onLine("250 whatever\r\n");
        QVERIFY(!s.upgrade && !s.failed && s.send.empty());
    }

    void smtpMultiLineGreetingAndLastLineOffer() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        Run r = feed(d, {"220-first line of the greeting\n", "220-second\n", "220 done\n", "250-mx\n",
                         "250 starttls\n", "220 go\n"});
        QVERIFY(r.last.upgrade);
        QCOMPARE(QString::fromStdString(r.sent), QStringLiteral("EHLO linewright.localhost\r\nSTARTTLS\r\n"));
        QCOMPARE(r.steps, 6);
    }

    void smtpNotOffered() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        Run r = feed(d, {"220 mx\r\n", "250-mx\r\n", "250-STARTTLSX\r\n", "250-8BITMIME\r\n", "250 SIZE 10\r\n"});
        QVERIFY(r.last.failed);
        QVERIFY(!r.last.upgrade);
        QVERIFY2(r.last.reason.find("does not offer STARTTLS") != std::string::npos, r.last.reason.c_str());
        QVERIFY2(r.last.reason.find("250 SIZE 10") != std::string::npos, r.last.reason.c_str());
        QVERIFY(r.sent.find("STARTTLS") == std::string::npos);  // only EHLO went out
    }

    void smtpRefused() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        Run r = feed(d, {"220 mx\r\n", "250 STARTTLS\r\n", "454 4.7.0 TLS not available due to local problem\r\n"});
        QVERIFY(r.last.failed);
        QVERIFY(d.finished());
        QVERIFY2(r.last.reason.find("refused") != std::string::npos, r.last.reason.c_str());
        QVERIFY2(r.last.reason.find("'454 4.7.0 TLS not available due to local problem'") != std::string::npos,
                 r.last.reason.c_str());
        QVERIFY(d.onLine("220 late\r\n").send.empty());
    }

    void smtpBadGreeting() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        Step s = d.onLine("554 no service here\r\n");
        QVERIFY(s.failed);
        QVERIFY2(s.reason.find("greeting") != std::string::npos, s.reason.c_str());
        QVERIFY2(s.reason.find("554 no service here") != std::string::npos, s.reason.c_str());

        StartTlsDialog d2(StartTlsProtocol::Smtp, "", false);
        s = d2.onLine("HTTP/1.1 400 Bad Request\r\n");
        QVERIFY(s.failed);
        QVERIFY2(s.reason.find("unexpected reply") != std::string::npos, s.reason.c_str());
    }

    void smtpEhloRejected() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        Run r = feed(d, {"220 mx\r\n", "502 5.5.2 command not recognized\r\n"});
        QVERIFY(r.last.failed);
        QVERIFY2(r.last.reason.find("EHLO") != std::string::npos, r.last.reason.c_str());
    }

    void reasonEscapesAndCuts() {
        StartTlsDialog d(StartTlsProtocol::Pop3, "", false);
        Step s = d.onLine(std::string("-ERR \x1b[2J\x07 bad\xff") + "\r\n");
        QVERIFY(s.failed);
        for (char c : s.reason) QVERIFY2(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, s.reason.c_str());
        QVERIFY2(s.reason.find("\\x1b[2J") != std::string::npos, s.reason.c_str());
        QVERIFY2(s.reason.find("\\xff") != std::string::npos, s.reason.c_str());

        StartTlsDialog d2(StartTlsProtocol::Smtp, "", false);
        s = d2.onLine("554 " + std::string(100000, 'x') + "\r\n");
        QVERIFY(s.failed);
        QVERIFY2(s.reason.size() < 400, s.reason.c_str());
    }

    void imap() {
        StartTlsDialog d(StartTlsProtocol::Imap, "", false);
        Step s = d.onLine("* OK [CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED] ready\r\n");
        QCOMPARE(QString::fromStdString(s.send), QStringLiteral("a1 STARTTLS\r\n"));
        QVERIFY(d.onLine("* CAPABILITY IMAP4rev1 STARTTLS\r\n").send.empty());
        s = d.onLine("a1 OK Begin TLS negotiation now\r\n");
        QVERIFY(s.upgrade);

        StartTlsDialog refused(StartTlsProtocol::Imap, "", false);
        Run r = feed(refused, {"* OK hi\r\n", "a1 NO STARTTLS not available\r\n"});
        QVERIFY(r.last.failed);
        QVERIFY2(r.last.reason.find("'a1 NO STARTTLS not available'") != std::string::npos, r.last.reason.c_str());

        StartTlsDialog bye(StartTlsProtocol::Imap, "", false);
        QVERIFY(bye.onLine("* BYE too busy\r\n").failed);
        StartTlsDialog pre(StartTlsProtocol::Imap, "", false);
        s = pre.onLine("* PREAUTH welcome\r\n");
        QVERIFY(s.failed);
        QVERIFY2(s.reason.find("PREAUTH") != std::string::npos, s.reason.c_str());
    }

    void pop3() {
        StartTlsDialog d(StartTlsProtocol::Pop3, "", false);
        Step s = d.onLine("+OK POP3 server ready\r\n");
        QCOMPARE(QString::fromStdString(s.send), QStringLiteral("STLS\r\n"));
        QVERIFY(d.onLine("+OK Begin TLS\r\n").upgrade);

        StartTlsDialog refused(StartTlsProtocol::Pop3, "", false);
        Run r = feed(refused, {"+OK ready\r\n", "-ERR STLS not supported\r\n"});
        QVERIFY(r.last.failed);
        QVERIFY2(r.last.reason.find("'-ERR STLS not supported'") != std::string::npos, r.last.reason.c_str());
    }

    void ftp() {
        StartTlsDialog d(StartTlsProtocol::Ftp, "", false);
        Run r = feed(d, {"120 ready in 1 minute\r\n", "220-Welcome\r\n", "  free text, no code\r\n",
                         "220 ready\r\n", "234 AUTH TLS successful\r\n"});
        QVERIFY(r.last.upgrade);
        QCOMPARE(QString::fromStdString(r.sent), QStringLiteral("AUTH TLS\r\n"));

        StartTlsDialog refused(StartTlsProtocol::Ftp, "", false);
        r = feed(refused, {"220 hi\r\n", "534 policy requires no TLS\r\n"});
        QVERIFY(r.last.failed);
        QVERIFY2(r.last.reason.find("534 policy requires no TLS") != std::string::npos, r.last.reason.c_str());
    }

    void afterMatchServerSide() {
        StartTlsDialog d(StartTlsProtocol::AfterMatch, "^STARTTLS$", true);
        QVERIFY(d.start().send.empty());
        QVERIFY(!d.onLine("EHLO x\r\n").upgrade);
        QVERIFY(!d.onLine("XSTARTTLS\r\n").upgrade);
        Step s = d.onLine("STARTTLS\r\n");  // matched without its "\r\n": `$` holds
        QVERIFY(s.upgrade);
        QVERIFY(s.send.empty());
        QVERIFY(d.finished());
    }

    void afterMatchClientSideBytes() {
        StartTlsDialog d(StartTlsProtocol::AfterMatch, "\\x00go\\xff", false);
        QVERIFY(!d.onLine("nothing\n").upgrade);
        QVERIFY(d.onLine(std::string("..\0go\xff..\n", 9)).upgrade);
    }

    void refusedConstruction() {
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, StartTlsDialog(StartTlsProtocol::None, "", false));
        try {
            StartTlsDialog(StartTlsProtocol::AfterMatch, "(unclosed", true);
            QFAIL("a bad pattern was accepted");
        } catch (const std::invalid_argument& e) {
            QVERIFY2(std::string(e.what()).find("missing )") != std::string::npos, e.what());
        }
        QVERIFY_THROWS_EXCEPTION(std::invalid_argument, StartTlsDialog(StartTlsProtocol::Smtp, "", true));
        // An EHLO name that would inject a command is replaced.
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false, "a\r\nRSET");
        QCOMPARE(QString::fromStdString(d.onLine("220 x\r\n").send), QStringLiteral("EHLO linewright.localhost\r\n"));
    }
};

QTEST_GUILESS_MAIN(tst_StartTlsDialog)
#include "tst_StartTlsDialog.moc"
