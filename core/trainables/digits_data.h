#pragma once
// The UCI optical digits data set (resources/data/digits.csv), embedded in the binary at build time by
// core/trainables/embed_text.cmake, so the built-in digits_mlp trainable works from any install location.
#include <string_view>

namespace tunelab::embedded {

// The whole CSV text: 1,797 lines, each 64 integers 0..16 (an 8x8 image, row-major) then the label 0..9.
// The view refers to static storage and is valid for the life of the program.
std::string_view digits_csv();

}  // namespace tunelab::embedded
