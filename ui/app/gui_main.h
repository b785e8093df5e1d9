#pragma once
// The GUI entry point of the tunelab binary: `tunelab [SPEC]`.
namespace tunelab::ui {
int gui_main(int argc, char** argv);
}
