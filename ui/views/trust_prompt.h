#pragma once
// Trust for study files opened in the workbench: a spec whose trainable is a command runs programs
// on this machine, so before the first run of a file the user is asked once. The answer is kept in
// QSettings under the SHA-256 of the file's bytes: the same content is never asked about again, and
// any change to the file asks anew. Built-in trainables run nothing from the file and need no trust.
#include <QByteArray>
#include <QString>

#include <optional>

#include "core/util/json.h"

class QWidget;

namespace tunelab::ui {

class TrustPrompt {
 public:
  static QString content_hash(const QByteArray& bytes);  // hex SHA-256
  static std::optional<bool> remembered(const QString& hash);
  static void remember(const QString& hash, bool trusted);
  // What the spec would run, as shown in the question; empty when it runs a built-in trainable.
  static QString command_text(const Json& spec);
  // True when `spec` (from the file `path` with content `bytes`) may run: it runs no command, or the
  // user trusted this content now or before. Asks with a modal question at most once per content.
  static bool confirm(QWidget* parent, const QString& path, const QByteArray& bytes, const Json& spec);
};

}  // namespace tunelab::ui
