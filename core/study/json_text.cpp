// parse_json_text (declared in spec.h): JSON text from a file, checked for what nlohmann accepts silently
// (duplicate keys) or would make dangerous later (deep nesting), with errors that name where.
#include <string>
#include <unordered_set>
#include <vector>

#include "core/study/spec.h"
#include "core/util/json_read.h"

namespace tunelab {

namespace {

constexpr size_t kMaxDepth = 64;  // levels of arrays and objects; specs need a handful

// `source:line:column` (1-based; the column counts bytes) of byte `offset` in `text`.
std::string position(const std::string& text, size_t offset, const std::string& source) {
  size_t line = 1, col = 1;
  for (size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      col = 1;
    } else {
      ++col;
    }
  }
  return source + ":" + std::to_string(line) + ":" + std::to_string(col);
}

// The message with bytes outside printable ASCII written as \xNN (nlohmann quotes what it last read, which may
// be binary or invalid UTF-8).
std::string printable(const std::string& s) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c < 0x7f) {
      out += ch;
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Follows the parser (a SAX pass, which builds nothing) through the document to name the JSON path of each key
// given twice in one object (nlohmann keeps the last silently; in a spec that is almost always a mistake), and
// keeps the parser's error, if any. Linear in the text: a spec may hold tens of thousands of keys.
class DuplicateKeys {
 public:
  Errors errors;
  bool failed = false;
  size_t error_byte = 0;
  std::string error_what;
  bool out_of_range = false;

  bool null() { return element_done(); }
  bool boolean(bool) { return element_done(); }
  bool number_integer(Json::number_integer_t) { return element_done(); }
  bool number_unsigned(Json::number_unsigned_t) { return element_done(); }
  bool number_float(Json::number_float_t, const Json::string_t&) { return element_done(); }
  bool string(Json::string_t&) { return element_done(); }
  bool binary(Json::binary_t&) { return element_done(); }
  bool start_object(std::size_t) {
    frames_.push_back({false, 0, {}, {}});
    return true;
  }
  bool start_array(std::size_t) {
    frames_.push_back({true, 0, {}, {}});
    return true;
  }
  bool end_object() { return end(); }
  bool end_array() { return end(); }
  bool key(Json::string_t& k) {
    Frame& top = frames_.back();
    top.key = k;
    if (!top.seen.insert(k).second) {
      errors.push_back({path(), "duplicate key: the object gives \"" + top.key + "\" twice (only the last would count); remove one"});
    }
    return true;
  }
  bool parse_error(std::size_t byte, const std::string&, const nlohmann::detail::exception& e) {
    failed = true;
    error_byte = byte;
    error_what = e.what();
    out_of_range = e.id == 406;  // a number too large for a double
    return false;
  }

 private:
  struct Frame {
    bool array;
    size_t index;
    std::string key;                       // the current key (objects)
    std::unordered_set<std::string> seen;  // keys so far (objects)
  };
  bool end() {
    frames_.pop_back();
    return element_done();
  }
  bool element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
    return true;
  }
  std::string path() const {
    std::string out;
    for (const auto& f : frames_) {
      if (f.array) out += "[" + std::to_string(f.index) + "]";
      else out += (out.empty() ? "" : ".") + f.key;
    }
    return out;
  }
  std::vector<Frame> frames_;
};

}  // namespace

Result<Json> parse_json_text(const std::string& text, const std::string& source) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Error{source, "the file is empty: a study spec is a JSON object like {\"name\": ..., \"space\": ...}"};
  }
  if (text.size() >= 2 && ((text[0] == '\xff' && text[1] == '\xfe') || (text[0] == '\xfe' && text[1] == '\xff'))) {
    return Error{source + ":1:1", "the file is UTF-16 (it starts with a UTF-16 byte order mark); save it as UTF-8"};
  }
  if (const size_t at = find_nesting_beyond(text, kMaxDepth); at != std::string::npos) {
    return Error{position(text, at, source),
                 "arrays and objects nested deeper than " + std::to_string(kMaxDepth) + " levels"};
  }
  DuplicateKeys duplicates;
  Json::sax_parse(text, &duplicates);
  if (const size_t nul = text.find('\0'); nul != std::string::npos && !duplicates.failed) {
    // The parser took the NUL for the end of the text and ignored what follows (an error before it comes first).
    return Error{position(text, nul, source), "invalid JSON: a NUL byte (JSON text cannot hold one; in a string write \\u0000)"};
  }
  if (duplicates.failed && !duplicates.out_of_range) {
    // nlohmann's byte offset is one past the character it stopped at.
    const std::string& what = duplicates.error_what;
    const auto pos = what.find("syntax error");
    return Error{position(text, duplicates.error_byte > 0 ? duplicates.error_byte - 1 : 0, source),
                 "invalid JSON: " + printable(pos == std::string::npos ? what : what.substr(pos))};
  }
  if (duplicates.failed) {
    // A number too large for a double (1e400): find the number the message quotes.
    const std::string& what = duplicates.error_what;
    const auto open = what.find('\''), close = what.rfind('\'');
    const std::string token = open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : "";
    const size_t at = token.empty() ? std::string::npos : text.find(token);
    const auto colon = what.find("] ");
    return Error{at == std::string::npos ? source : position(text, at, source),
                 "invalid JSON: " + printable(colon == std::string::npos ? what : what.substr(colon + 2))};
  }
  if (!duplicates.errors.empty()) {
    for (auto& e : duplicates.errors) e.where = source + ": " + (e.where.empty() ? "(top)" : e.where);
    return duplicates.errors;
  }
  // The text is valid and has no repeated key: build the value in linear time (Json::parse searches each
  // object's members for every key it inserts).
  JsonRead read = read_json(text);
  if (!read.ok()) return Error{source, "invalid JSON: " + printable(read.error)};
  return std::move(read.value);
}

}  // namespace tunelab
