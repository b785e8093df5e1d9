#include "ui/views/trust_prompt.h"

#include <QCryptographicHash>
#include <QMessageBox>
#include <QPushButton>
#include <QSettings>

namespace tunelab::ui {

namespace {
QString key_for(const QString& hash) { return QStringLiteral("trusted_specs/") + hash; }
}  // namespace

QString TrustPrompt::content_hash(const QByteArray& bytes) {
  return QString::fromLatin1(QCryptographicHash::hash(bytes, QCryptographicHash::Sha256).toHex());
}

std::optional<bool> TrustPrompt::remembered(const QString& hash) {
  const QVariant v = QSettings().value(key_for(hash));
  if (!v.isValid()) return std::nullopt;
  return v.toBool();
}

void TrustPrompt::remember(const QString& hash, bool trusted) { QSettings().setValue(key_for(hash), trusted); }

QString TrustPrompt::command_text(const Json& spec) {
  if (!spec.is_object() || !spec.contains("trainable") || !spec["trainable"].is_object()) return {};
  const Json& t = spec["trainable"];
  if (!t.contains("command")) return {};
  QString text;
  if (t["command"].is_array()) {
    for (const auto& a : t["command"]) {
      const std::string s = a.is_string() ? a.get<std::string>() : dump_compact(a);
      text += (text.isEmpty() ? QString() : QStringLiteral(" ")) + QString::fromStdString(dump_compact(Json(s)));
    }
  } else {
    text = QString::fromStdString(dump_compact(t["command"]));
  }
  if (t.value("shell", false)) text = QObject::tr("(through /bin/sh) %1").arg(text);
  return text;
}

bool TrustPrompt::confirm(QWidget* parent, const QString& path, const QByteArray& bytes, const Json& spec) {
  const QString command = command_text(spec);
  if (command.isEmpty()) return true;
  const QString hash = content_hash(bytes);
  if (auto known = remembered(hash)) return *known;
  QMessageBox box(QMessageBox::Warning, QObject::tr("Run commands from this file?"),
                  QObject::tr("%1 runs this command for every trial:\n\n%2\n\nOnly run study files you trust. "
                              "Your answer is remembered for this exact file content.")
                      .arg(path, command),
                  QMessageBox::NoButton, parent);
  box.setObjectName(QStringLiteral("trust_prompt"));
  QPushButton* run = box.addButton(QObject::tr("Trust and run"), QMessageBox::AcceptRole);
  run->setObjectName(QStringLiteral("trust"));
  QPushButton* no = box.addButton(QObject::tr("Do not run"), QMessageBox::RejectRole);
  no->setObjectName(QStringLiteral("distrust"));
  box.setDefaultButton(no);
  box.exec();
  const bool trusted = box.clickedButton() == run;
  remember(hash, trusted);
  return trusted;
}

}  // namespace tunelab::ui
