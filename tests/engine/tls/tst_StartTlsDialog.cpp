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

/// A new dialogue for `protocol` (no after-match, the client side) fed
/// `lines` as feed() does: its last step.
Step lastStep(StartTlsProtocol protocol, std::initializer_list<std::string_view> lines) {
    StartTlsDialog d(protocol, "", false);
    return feed(d, lines).last;
}

/// Checks that `s` failed and that its reason mentions each of `words`.
void checkFailure(const Step& s, std::initializer_list<std::string_view> words) {
    QVERIFY(s.failed);
    for (const std::string_view w : words) QVERIFY2(s.reason.find(w) != std::string::npos, s.reason.c_str());
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
        checkFailure(r.last, {"does not offer STARTTLS", "250 SIZE 10"});
        QVERIFY(!r.last.upgrade);
        QVERIFY(r.sent.find("STARTTLS") == std::string::npos);  // only EHLO went out
    }

    void smtpRefused() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        Run r = feed(d, {"220 mx\r\n", "250 STARTTLS\r\n", "454 4.7.0 TLS not available due to local problem\r\n"});
        checkFailure(r.last, {"refused", "'454 4.7.0 TLS not available due to local problem'"});
        QVERIFY(d.finished());
        QVERIFY(d.onLine("220 late\r\n").send.empty());
    }

    void smtpBadGreeting() {
        StartTlsDialog d(StartTlsProtocol::Smtp, "", false);
        checkFailure(d.onLine("554 no service here\r\n"), {"greeting", "554 no service here"});
        checkFailure(lastStep(StartTlsProtocol::Smtp, {"HTTP/1.1 400 Bad Request\r\n"}), {"unexpected reply"});
    }

    void smtpEhloRejected() {
        checkFailure(lastStep(StartTlsProtocol::Smtp, {"220 mx\r\n", "502 5.5.2 command not recognized\r\n"}),
                     {"EHLO"});
    }

    void reasonEscapesAndCuts() {
        StartTlsDialog d(StartTlsProtocol::Pop3, "", false);
        Step s = d.onLine(std::string("-ERR \x1b[2J\x07 bad\xff") + "\r\n");
        checkFailure(s, {"\\x1b[2J", "\\xff"});
        for (char c : s.reason) QVERIFY2(static_cast<unsigned char>(c) >= 0x20 && c != 0x7f, s.reason.c_str());

        s = lastStep(StartTlsProtocol::Smtp, {"554 " + std::string(100000, 'x') + "\r\n"});
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

        checkFailure(lastStep(StartTlsProtocol::Imap, {"* OK hi\r\n", "a1 NO STARTTLS not available\r\n"}),
                     {"'a1 NO STARTTLS not available'"});
        checkFailure(lastStep(StartTlsProtocol::Imap, {"* BYE too busy\r\n"}), {});
        checkFailure(lastStep(StartTlsProtocol::Imap, {"* PREAUTH welcome\r\n"}), {"PREAUTH"});
    }

    void pop3() {
        StartTlsDialog d(StartTlsProtocol::Pop3, "", false);
        Step s = d.onLine("+OK POP3 server ready\r\n");
        QCOMPARE(QString::fromStdString(s.send), QStringLiteral("STLS\r\n"));
        QVERIFY(d.onLine("+OK Begin TLS\r\n").upgrade);

        checkFailure(lastStep(StartTlsProtocol::Pop3, {"+OK ready\r\n", "-ERR STLS not supported\r\n"}),
                     {"'-ERR STLS not supported'"});
    }

    void ftp() {
        StartTlsDialog d(StartTlsProtocol::Ftp, "", false);
        Run r = feed(d, {"120 ready in 1 minute\r\n", "220-Welcome\r\n", "  free text, no code\r\n",
                         "220 ready\r\n", "234 AUTH TLS successful\r\n"});
        QVERIFY(r.last.upgrade);
        QCOMPARE(QString::fromStdString(r.sent), QStringLiteral("AUTH TLS\r\n"));

        checkFailure(lastStep(StartTlsProtocol::Ftp, {"220 hi\r\n", "534 policy requires no TLS\r\n"}),
                     {"534 policy requires no TLS"});
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
