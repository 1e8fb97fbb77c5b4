// DovecotTestSupport.h — Debian's dovecot (dovecot-pop3d, dovecot-imapd) as
// a POP3 or IMAP peer for the end-to-end tests in tests/app (tst_CliPresets,
// tst_CliProxyTls).
//
// Dovecot: dovecot with a configuration of its own in a folder the test
// owns: one protocol (pop3 or imap) only, on 127.0.0.1:PORT, any user with
// the password "secret", one Maildir (mail/a/Maildir) holding one message
// (new/1.host); given a certificate and key, STARTTLS (POP3's STLS) with
// them (ssl = yes), else no TLS. As
// root (CI) its processes run as the package's users dovecot and dovenull
// (its login process refuses root); else as the test's user. It is running
// (it said "starting up") once constructed without `skipped` or `error`;
// whether it accepts yet is the test's to wait for.
// What it owns: the dovecot process (killed when it goes out of scope); the
// folder is the caller's. Every wait has a deadline, nothing sleeps.
// Threads: the test's thread.
#pragma once

#include "PeerTestSupport.h"
#include "ProcessTestSupport.h"

#include <QDir>
#include <QFile>
#include <QRegularExpression>
#include <QString>

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <memory>

namespace lwtest {

class Dovecot {
public:
    /// Sets dovecot up in `dir` and starts it on `port` for `protocol`
    /// ("pop3" or "imap"); with `certPem` and `keyPem`, copies of them serve
    /// STARTTLS.
    Dovecot(const QString& protocol, const QString& dir, quint16 port, const QByteArray& message, int waitMs,
            const QString& certPem = {}, const QString& keyPem = {}) {
        error = setUp(protocol, dir, port, message, waitMs, certPem, keyPem);
    }

    QString skipped;  ///< Non-empty: dovecot or its user is missing (the test QSKIPs with this).
    QString error;    ///< Non-empty: setting it up or starting it failed (the test fails with this).
    std::unique_ptr<Background> server;  ///< The running dovecot (its outputs), once started.

private:
    QString setUp(const QString& protocol, const QString& dirPath, quint16 port, const QByteArray& message, int waitMs,
                  const QString& certPem, const QString& keyPem) {
        const QString dovecot = QStringLiteral("/usr/sbin/dovecot");
        const QString program = "/usr/lib/dovecot/" + protocol;  // what dovecot-pop3d or dovecot-imapd adds
        if (!QFile::exists(dovecot) || !QFile::exists(program)) {
            skipped = QStringLiteral("dovecot-%1d is not installed (%2, %3)").arg(protocol, dovecot, program);
            return {};
        }
        const QDir dir(dirPath);
        const bool root = ::geteuid() == 0;
        const passwd* me = ::getpwuid(::geteuid());
        const group* myGroup = ::getgrgid(::getegid());
        if (!me || !myGroup) return QStringLiteral("cannot find the test's own user and group");
        const QString user = root ? QStringLiteral("dovecot") : QString::fromLocal8Bit(me->pw_name);
        const QString grp = root ? QStringLiteral("dovecot") : QString::fromLocal8Bit(myGroup->gr_name);
        const QString login = root ? QStringLiteral("dovenull") : user;
        const passwd* mail = ::getpwnam(user.toLocal8Bit().constData());
        if (!mail) {
            skipped = QStringLiteral("dovecot-%1d's user 'dovecot' is missing").arg(protocol);
            return {};
        }
        const QString maildir = dir.filePath("mail/a/Maildir");
        for (const char* sub : {"cur", "new", "tmp"})
            if (!QDir().mkpath(maildir + "/" + sub)) return "cannot make " + maildir + "/" + sub;
        if (!writeFile(maildir + "/new/1.host", message)) return "cannot write the message in " + maildir;
        if (!QDir().mkpath(dir.filePath("run"))) return "cannot make " + dir.filePath("run");
        const bool tls = !certPem.isEmpty() && !keyPem.isEmpty();
        if (tls) {
            // Dovecot reads the key as root before dropping privileges; a copy it may read.
            if (!QFile::copy(certPem, dir.filePath("server.pem")) || !QFile::copy(keyPem, dir.filePath("server.key")) ||
                !QFile::setPermissions(dir.filePath("server.key"),
                                       QFile::ReadOwner | QFile::WriteOwner | QFile::ReadGroup | QFile::ReadOther))
                return "cannot copy the certificate and key to " + dirPath;
        }
        if (root) {
            QFile::setPermissions(dirPath, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner | QFile::ReadGroup |
                                               QFile::ExeGroup | QFile::ReadOther | QFile::ExeOther);
            for (const QString& d : {dir.filePath("mail"), dir.filePath("mail/a"), maildir, maildir + "/cur",
                                     maildir + "/new", maildir + "/tmp", maildir + "/new/1.host"})
                if (::chown(d.toLocal8Bit().constData(), mail->pw_uid, mail->pw_gid) != 0) return "cannot chown " + d;
        }
        const QString conf = dir.filePath("dovecot.conf");
        const QString ssl = tls ? QStringLiteral("ssl = yes\nssl_cert = <%1/server.pem\nssl_key = <%1/server.key\n")
                                : QStringLiteral("ssl = no\n");
        // IMAP offers LOGIN as well (curl's imap:// may ask for it).
        const QString mechanisms = protocol == QLatin1String("imap") ? QStringLiteral("plain login") : QStringLiteral("plain");
        if (!writeFile(conf, (QStringLiteral("protocols = %6\nlisten = 127.0.0.1\nbase_dir = %1/run\n"
                                             "state_dir = %1/run\nlog_path = /dev/stderr\n") +
                              ssl +
                              QStringLiteral(
                                  "disable_plaintext_auth = no\nauth_mechanisms = %7\n"
                                  "default_internal_user = %2\ndefault_internal_group = %3\ndefault_login_user = %4\n"
                                  "first_valid_uid = 0\nmail_location = maildir:%1/mail/%u/Maildir\n"
                                  "passdb {\n  driver = static\n  args = password=secret\n}\n"
                                  "userdb {\n  driver = static\n  args = uid=%2 gid=%3 home=%1/mail/%u\n}\n"
                                  "service %6-login {\n  chroot =\n  inet_listener %6 {\n    address = 127.0.0.1\n"
                                  "    port = %5\n  }\n  inet_listener %6s {\n    port = 0\n  }\n}\n"
                                  "service anvil {\n  chroot =\n}\n"))
                                 .arg(dirPath, user, grp, login, QString::number(port), protocol, mechanisms)
                                 .toUtf8()))
            return "cannot write " + conf;
        server = std::make_unique<Background>(dovecot, QStringList{"-F", "-c", conf}, waitMs);
        if (!server->started()) return QStringLiteral("dovecot did not start");
        if (server->waitFor(QRegularExpression(QStringLiteral("(starting up)"))).isEmpty())
            return "dovecot did not start up: " + QString::fromUtf8(server->err());
        return {};
    }
};

}  // namespace lwtest
