# Writes OUTPUT, a C++ source defining tunelab::embedded::digits_csv() over the text of INPUT.
file(READ ${INPUT} _text)
string(LENGTH "${_text}" _len)
# Raw string literals have an implementation limit per literal; split into chunks of 16 KiB.
set(_chunks "")
set(_pos 0)
while(_pos LESS _len)
  string(SUBSTRING "${_text}" ${_pos} 16384 _piece)
  string(APPEND _chunks "  R\"TLDATA(${_piece})TLDATA\"\n")
  math(EXPR _pos "${_pos} + 16384")
endwhile()
file(WRITE ${OUTPUT} "// Generated from ${INPUT}. Do not edit.\n#include <string_view>\nnamespace tunelab::embedded {\nstd::string_view digits_csv() {\n  static const char kText[] =\n${_chunks};\n  return {kText, sizeof(kText) - 1};\n}\n}  // namespace tunelab::embedded\n")
