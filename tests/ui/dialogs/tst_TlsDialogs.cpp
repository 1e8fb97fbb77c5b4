// tst_TlsDialogs.cpp — the TLS part of the Connect… and Listen… dialogs and
// the Start TLS… dialog: what they fill in engine::TlsConfig, the checks on
// the input (each a message in the dialog, OK off meanwhile), the visible
// warning when verification is turned off, and the settings that bring the
// last values back.
#include "ui/dialogs/ConnectDialog.h"
#include "ui/dialogs/ListenDialog.h"
#include "ui/dialogs/TlsOptionsBox.h"
#include "ui/dialogs/TlsUpgradeDialog.h"
#include "ui/Settings.h"
#include "WindowTestSupport.h"

#include <QApplication>
#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>

using ui::ConnectDialog;
using ui::ListenDialog;
using ui::TlsOptionsBox;

namespace {

QPushButton* okButton(QDialog& d) {
    return d.findChild<QDialogButtonBox*>()->button(QDialogButtonBox::Ok);
}

void selectStart(TlsOptionsBox* box, engine::StartTlsProtocol p) {
    const int i = box->startBox()->findData(static_cast<int>(p));
    QVERIFY(i >= 0);
    box->startBox()->setCurrentIndex(i);
}

QString writeFile(const QTemporaryDir& dir, const char* name) {
    const QString path = dir.filePath(QLatin1String(name));
    QFile f(path);
    if (f.open(QIODevice::WriteOnly)) f.write("-----BEGIN CERTIFICATE-----\n");
    return path;
}

}  // namespace

class tst_TlsDialogs : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void init();
    void connectDefaultsAndTlsOn();
    void turningVerificationOffShowsAWarning();
    void starttlsProtocols();
    void afterMatchPatternIsChecked();
    void filesAreChecked();
    void versionsAlpnAndServerName();
    void listenerIsTheServerSide();
    void startTlsDialogUpgradesNow();
    void settingsRememberTls();
};

void tst_TlsDialogs::initTestCase() {
    uitest::useTestSettings(QStringLiteral("linewright-test-tls"));
}

void tst_TlsDialogs::init() { QSettings().clear(); }

void tst_TlsDialogs::connectDefaultsAndTlsOn() {
    ConnectDialog d;
    TlsOptionsBox* tls = d.tlsBox();
    QVERIFY(!tls->isChecked());
    QVERIFY(!d.params().tls.wanted());
    QVERIFY(okButton(d)->isEnabled());
    tls->setChecked(true);
    const engine::TlsConfig c = d.params().tls;
    QVERIFY(c.enabled);
    QCOMPARE(c.startTls, engine::StartTlsProtocol::None);
    QVERIFY(c.verify);  // on by default
    QVERIFY(c.caFile.empty() && c.certFile.empty() && c.alpn.empty());
    QCOMPARE(c.minVersion, engine::TlsVersion::Any);
    QVERIFY(okButton(d)->isEnabled());
    QVERIFY(tls->insecureWarning()->isHidden());
    // Options reach the channel's options.
    QVERIFY(d.params().options().tls == c);
    // Every label with a mnemonic has a buddy (else the "&" shows as it is).
    for (const QLabel* l : tls->findChildren<QLabel*>())
        if (l->text().contains(QLatin1Char('&')) && !l->text().contains(QLatin1Char('<')))
            QVERIFY2(l->buddy() != nullptr, qPrintable(l->text()));
}

void tst_TlsDialogs::turningVerificationOffShowsAWarning() {
    ConnectDialog d;
    QVERIFY(uitest::shown(d));
    TlsOptionsBox* tls = d.tlsBox();
    tls->setChecked(true);
    QVERIFY(tls->verifyBox()->isChecked());
    QVERIFY(!tls->insecureWarning()->isVisible());
    tls->verifyBox()->setChecked(false);
    QVERIFY(tls->insecureWarning()->isVisible());
    QVERIFY(tls->insecureWarning()->text().contains(QStringLiteral("OFF")));
    QVERIFY(!d.params().tls.verify);
    QVERIFY(okButton(d)->isEnabled());  // allowed, only warned about
    // Turning TLS off hides every TLS field, the warning too.
    tls->setChecked(false);
    QVERIFY(!tls->insecureWarning()->isVisible());
    QVERIFY(!d.params().tls.wanted());
}

void tst_TlsDialogs::starttlsProtocols() {
    ConnectDialog d;
    TlsOptionsBox* tls = d.tlsBox();
    tls->setChecked(true);
    for (auto p : {engine::StartTlsProtocol::Smtp, engine::StartTlsProtocol::Imap, engine::StartTlsProtocol::Pop3,
                   engine::StartTlsProtocol::Ftp}) {
        selectStart(tls, p);
        const engine::TlsConfig c = d.params().tls;
        QCOMPARE(c.startTls, p);
        QVERIFY(!c.enabled);  // plaintext first
        QVERIFY(c.wanted());
        QVERIFY(okButton(d)->isEnabled());
    }
}

void tst_TlsDialogs::afterMatchPatternIsChecked() {
    ConnectDialog d;
    QVERIFY(uitest::shown(d));
    TlsOptionsBox* tls = d.tlsBox();
    tls->setChecked(true);
    QVERIFY(!tls->patternEdit()->isVisible());
    selectStart(tls, engine::StartTlsProtocol::AfterMatch);
    QVERIFY(tls->patternEdit()->isVisible());
    // Empty: refused, and said in the dialog.
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY(tls->problemLabel()->isVisible());
    QVERIFY(tls->problemLabel()->text().contains(QStringLiteral("regular expression")));
    // Does not compile (RE2): refused with RE2's reason.
    tls->patternEdit()->setText(QStringLiteral("^220 (ready"));
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY2(tls->problemLabel()->text().startsWith(QStringLiteral("The regular expression does not compile")),
             qPrintable(tls->problemLabel()->text()));
    QCOMPARE(okButton(d)->toolTip(), tls->problemLabel()->text());
    QVERIFY(!d.isInputValid());
    d.accept();
    QCOMPARE(d.result(), int(QDialog::Rejected));  // Enter does nothing while it is wrong
    // Backreferences are not RE2: refused too.
    tls->patternEdit()->setText(QStringLiteral("(a)\\1"));
    QVERIFY(!okButton(d)->isEnabled());
    tls->patternEdit()->setText(QStringLiteral("^220 .*TLS"));
    QVERIFY(okButton(d)->isEnabled());
    QVERIFY(!tls->problemLabel()->isVisible());
    const engine::TlsConfig c = d.params().tls;
    QCOMPARE(c.startTls, engine::StartTlsProtocol::AfterMatch);
    QCOMPARE(c.startTlsAfter, std::string("^220 .*TLS"));
}

void tst_TlsDialogs::filesAreChecked() {
    QTemporaryDir dir;
    QVERIFY(dir.isValid());
    ConnectDialog d;
    TlsOptionsBox* tls = d.tlsBox();
    tls->setChecked(true);
    tls->caFileEdit()->setText(dir.filePath(QStringLiteral("missing-ca.pem")));
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY2(d.problem().contains(QStringLiteral("CA file")) && d.problem().contains(QStringLiteral("does not exist")),
             qPrintable(d.problem()));
    tls->caFileEdit()->setText(dir.path());
    QVERIFY(d.problem().contains(QStringLiteral("is a folder")));
    const QString ca = writeFile(dir, "ca.pem");
    tls->caFileEdit()->setText(ca);
    QVERIFY(okButton(d)->isEnabled());
    QCOMPARE(d.params().tls.caFile, ca.toStdString());
    // A certificate needs its key, and a key its certificate.
    const QString cert = writeFile(dir, "client.pem");
    const QString key = writeFile(dir, "client.key");
    tls->certFileEdit()->setText(cert);
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY(d.problem().contains(QStringLiteral("key")));
    tls->keyFileEdit()->setText(key);
    QVERIFY(okButton(d)->isEnabled());
    tls->certFileEdit()->clear();
    QVERIFY(d.problem().contains(QStringLiteral("needs its certificate")));
    tls->certFileEdit()->setText(cert);
    // The key log: a new file in an existing folder is fine; a missing folder is not.
    tls->keyLogEdit()->setText(dir.filePath(QStringLiteral("keys.log")));
    QVERIFY(okButton(d)->isEnabled());
    tls->keyLogEdit()->setText(dir.filePath(QStringLiteral("no/such/folder/keys.log")));
    QVERIFY(d.problem().contains(QStringLiteral("does not exist")));
    tls->keyLogEdit()->setText(dir.filePath(QStringLiteral("keys.log")));
    const engine::TlsConfig c = d.params().tls;
    QCOMPARE(c.certFile, cert.toStdString());
    QCOMPARE(c.keyFile, key.toStdString());
    QCOMPARE(c.keyLogFile, dir.filePath(QStringLiteral("keys.log")).toStdString());
    // Files do not matter while TLS is off.
    tls->caFileEdit()->setText(dir.filePath(QStringLiteral("missing-ca.pem")));
    QVERIFY(!okButton(d)->isEnabled());
    tls->setChecked(false);
    QVERIFY(okButton(d)->isEnabled());
}

void tst_TlsDialogs::versionsAlpnAndServerName() {
    ConnectDialog d;
    TlsOptionsBox* tls = d.tlsBox();
    tls->setChecked(true);
    tls->alpnEdit()->setText(QStringLiteral(" h2, http/1.1 "));
    tls->serverNameEdit()->setText(QStringLiteral("mail.example.org"));
    tls->minVersionBox()->setCurrentIndex(tls->minVersionBox()->findData(static_cast<int>(engine::TlsVersion::Tls1_2)));
    tls->maxVersionBox()->setCurrentIndex(tls->maxVersionBox()->findData(static_cast<int>(engine::TlsVersion::Tls1_3)));
    QVERIFY(okButton(d)->isEnabled());
    engine::TlsConfig c = d.params().tls;
    QCOMPARE(c.alpn, (std::vector<std::string>{"h2", "http/1.1"}));
    QCOMPARE(c.serverName, std::string("mail.example.org"));
    QCOMPARE(c.minVersion, engine::TlsVersion::Tls1_2);
    QCOMPARE(c.maxVersion, engine::TlsVersion::Tls1_3);
    // The lowest above the highest: refused.
    tls->minVersionBox()->setCurrentIndex(tls->minVersionBox()->findData(static_cast<int>(engine::TlsVersion::Tls1_3)));
    tls->maxVersionBox()->setCurrentIndex(tls->maxVersionBox()->findData(static_cast<int>(engine::TlsVersion::Tls1_2)));
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY(d.problem().contains(QStringLiteral("above the highest")));
    tls->maxVersionBox()->setCurrentIndex(0);
    QVERIFY(okButton(d)->isEnabled());
    // Bad ALPN and SNI.
    tls->alpnEdit()->setText(QStringLiteral("h2, caf\u00e9"));
    QVERIFY(d.problem().contains(QStringLiteral("ALPN")));
    tls->alpnEdit()->setText(QString(300, QLatin1Char('a')));
    QVERIFY(d.problem().contains(QStringLiteral("255")));
    tls->alpnEdit()->clear();
    tls->serverNameEdit()->setText(QStringLiteral("bad\tname"));
    QVERIFY(!okButton(d)->isEnabled());
    tls->serverNameEdit()->clear();
    QVERIFY(okButton(d)->isEnabled());
    // setParams brings every field back.
    ui::ConnectParams p;
    p.tls.enabled = true;
    p.tls.verify = false;
    p.tls.alpn = {"imap"};
    p.tls.serverName = "imap.example.org";
    p.tls.maxVersion = engine::TlsVersion::Tls1_2;
    p.tls.keyLogFile = "";
    d.setParams(p);
    QVERIFY(tls->isChecked());
    QVERIFY(d.params().tls == p.tls);
}

void tst_TlsDialogs::listenerIsTheServerSide() {
    ListenDialog d;
    QVERIFY(uitest::shown(d));
    TlsOptionsBox* tls = d.tlsBox();
    QVERIFY(!tls->isChecked());
    tls->setChecked(true);
    // From the first byte, or STARTTLS after a match: no client dialogues.
    QCOMPARE(tls->startBox()->count(), 2);
    QVERIFY(tls->startBox()->findData(static_cast<int>(engine::StartTlsProtocol::Smtp)) < 0);
    // No client certificate asked for by default; no SNI field; no insecure warning.
    QVERIFY(!tls->verifyBox()->isChecked());
    QVERIFY(!tls->serverNameEdit()->isVisible());
    QVERIFY(!tls->insecureWarning()->isVisible());
    QVERIFY(okButton(d)->isEnabled());  // no certificate: a self-signed one is generated
    engine::TlsConfig c = d.params().tls;
    QVERIFY(c.enabled && !c.verify && c.certFile.empty());
    QVERIFY(d.params().options().tls == c);
    // Verifying clients needs the CA that issued their certificates.
    tls->verifyBox()->setChecked(true);
    QVERIFY(!okButton(d)->isEnabled());
    QVERIFY(d.problem().contains(QStringLiteral("CA file")));
    tls->verifyBox()->setChecked(false);
    // A mock SMTP server with STARTTLS: upgrade after "STARTTLS".
    selectStart(tls, engine::StartTlsProtocol::AfterMatch);
    tls->patternEdit()->setText(QStringLiteral("^STARTTLS"));
    QVERIFY(okButton(d)->isEnabled());
    c = d.params().tls;
    QCOMPARE(c.startTls, engine::StartTlsProtocol::AfterMatch);
    QVERIFY(!c.enabled);
}

void tst_TlsDialogs::startTlsDialogUpgradesNow() {
    ui::TlsUpgradeDialog client(7, QStringLiteral("#7 127.0.0.1:25"), false);
    QVERIFY(uitest::shown(client));
    QCOMPARE(client.channel(), engine::ChannelId{7});
    QVERIFY(!client.tlsBox()->isCheckable());
    QVERIFY(!client.tlsBox()->startBox()->isVisible());  // the upgrade is now: no STARTTLS choice
    engine::TlsConfig offered;
    offered.startTls = engine::StartTlsProtocol::Smtp;
    offered.serverName = "mail.example.org";
    client.setConfig(offered);
    engine::TlsConfig c = client.config();
    QVERIFY(c.enabled);
    QCOMPARE(c.startTls, engine::StartTlsProtocol::None);
    QCOMPARE(c.serverName, std::string("mail.example.org"));
    QVERIFY(c.verify);
    client.tlsBox()->verifyBox()->setChecked(false);
    QVERIFY(client.tlsBox()->insecureWarning()->isVisible());
    client.tlsBox()->caFileEdit()->setText(QStringLiteral("/no/such/ca.pem"));
    QVERIFY(!okButton(client)->isEnabled());
    client.tlsBox()->caFileEdit()->clear();
    QVERIFY(okButton(client)->isEnabled());

    ui::TlsUpgradeDialog server(8, QStringLiteral("#8 127.0.0.1:50000"), true);
    QVERIFY(uitest::shown(server));
    server.setConfig(ui::serverTlsDefaults());
    QVERIFY(!server.tlsBox()->serverNameEdit()->isVisible());
    QVERIFY(!server.tlsBox()->insecureWarning()->isVisible());
    QVERIFY(okButton(server)->isEnabled());
    QVERIFY(server.config().enabled);
}

void tst_TlsDialogs::settingsRememberTls() {
    ui::ConnectParams p;
    p.host = QStringLiteral("mail.example.org");
    p.port = 587;
    p.tls.startTls = engine::StartTlsProtocol::Smtp;
    p.tls.verify = false;
    p.tls.caFile = "/etc/ssl/ca.pem";
    p.tls.certFile = "/home/u/c.pem";
    p.tls.keyFile = "/home/u/c.key";
    p.tls.serverName = "smtp.example.org";
    p.tls.alpn = {"smtp", "x"};
    p.tls.minVersion = engine::TlsVersion::Tls1_2;
    p.tls.maxVersion = engine::TlsVersion::Tls1_3;
    p.tls.keyLogFile = "/tmp/keys.log";
    ui::settings::addRecentTarget(ui::RecentTarget::from(p));
    ui::ListenParams l;
    l.port = 7443;
    l.tls.startTls = engine::StartTlsProtocol::AfterMatch;
    l.tls.startTlsAfter = "^STARTTLS";
    ui::settings::addRecentTarget(ui::RecentTarget::from(l));
    ui::ListenParams plain;
    plain.port = 7000;
    ui::settings::addRecentTarget(ui::RecentTarget::from(plain));

    const QList<ui::RecentTarget> recent = ui::settings::recentTargets();
    QCOMPARE(recent.size(), 3);
    QVERIFY(recent.at(2).connectParams().tls == p.tls);
    QVERIFY(recent.at(1).listenParams().tls == l.tls);
    QVERIFY(recent.at(0).listenParams().tls == ui::serverTlsDefaults());
    QVERIFY(recent.at(2).label().contains(QStringLiteral("STARTTLS smtp")));
    QVERIFY(recent.at(1).label().contains(QStringLiteral("STARTTLS after-match")));
    QVERIFY(!recent.at(0).label().contains(QStringLiteral("TLS")));
    // An entry written before TLS existed reads as plaintext.
    QSettings s;
    s.remove(QStringLiteral("recent/targets/3/tls"));
    QVERIFY(ui::settings::recentTargets().at(2).kind == ui::RecentTarget::Kind::Connect);
    QVERIFY(!ui::settings::recentTargets().at(2).connectParams().tls.wanted());
}

QTEST_MAIN(tst_TlsDialogs)
#include "tst_TlsDialogs.moc"
