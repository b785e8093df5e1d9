#pragma once
// `tunelab [SPEC] --screenshot DIR`: runs the study in the window, then saves design.png, monitor.png and
// analyze.png of a real run into DIR (for the docs). Returns the exit status.
#include <QString>

namespace tunelab::ui {
class MainWindow;
int take_screenshots(MainWindow& window, const QString& dir);
}  // namespace tunelab::ui
