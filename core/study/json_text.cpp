// parse_json_text (declared in spec.h): JSON text from a file, checked for what nlohmann accepts silently
// (duplicate keys) or would make dangerous later (deep nesting), with errors that name where.
#include <string>
#include <vector>

#include "core/study/spec.h"

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

// Follows the parser through the document to name the JSON path of each key given twice in one object
// (nlohmann keeps the last silently; in a spec that is almost always a mistake).
class DuplicateKeys {
 public:
  Errors errors;

  bool on(Json::parse_event_t event, const Json& parsed) {
    using E = Json::parse_event_t;
    switch (event) {
      case E::object_start: frames_.push_back({false, 0, {}, {}}); break;
      case E::array_start: frames_.push_back({true, 0, {}, {}}); break;
      case E::key: {
        Frame& top = frames_.back();
        top.key = parsed.get<std::string>();
        bool seen = false;
        for (const auto& k : top.seen) seen = seen || k == top.key;
        if (seen) {
          errors.push_back({path(), "duplicate key: the object gives \"" + top.key +
                                        "\" twice (only the last would count); remove one"});
        } else {
          top.seen.push_back(top.key);
        }
        break;
      }
      case E::object_end:
      case E::array_end:
        frames_.pop_back();
        element_done();
        break;
      case E::value: element_done(); break;
    }
    return true;  // keep everything
  }

 private:
  struct Frame {
    bool array;
    size_t index;
    std::string key;                // the current key (objects)
    std::vector<std::string> seen;  // keys so far (objects are small: a list is enough)
  };
  void element_done() {
    if (!frames_.empty() && frames_.back().array) ++frames_.back().index;
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
  try {
    Json j = Json::parse(text, [&](int, Json::parse_event_t event, Json& parsed) { return duplicates.on(event, parsed); });
    if (!duplicates.errors.empty()) {
      for (auto& e : duplicates.errors) e.where = source + ": " + (e.where.empty() ? "(top)" : e.where);
      return duplicates.errors;
    }
    return j;
  } catch (const Json::parse_error& e) {
    // nlohmann's byte offset is one past the character it stopped at.
    const std::string what = e.what();
    const auto pos = what.find("syntax error");
    return Error{position(text, e.byte > 0 ? e.byte - 1 : 0, source),
                 "invalid JSON: " + printable(pos == std::string::npos ? what : what.substr(pos))};
  } catch (const Json::exception& e) {
    // A number too large for a double (1e400) is out_of_range, without a position: find the number.
    std::string what = e.what();
    const auto open = what.find('\''), close = what.rfind('\'');
    const std::string token = open != std::string::npos && close > open ? what.substr(open + 1, close - open - 1) : "";
    const size_t at = token.empty() ? std::string::npos : text.find(token);
    const auto colon = what.find("] ");
    return Error{at == std::string::npos ? source : position(text, at, source),
                 "invalid JSON: " + printable(colon == std::string::npos ? what : what.substr(colon + 2))};
  }
}

}  // namespace tunelab
