#include "core/exec/report_parser.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/util/json_read.h"

namespace tunelab {

namespace {

// The start of a bad line for its error message, with bytes outside printable ASCII written as \xNN: the
// message is logged and stored as JSON text, which must be valid UTF-8 whatever the trial wrote.
std::string preview(std::string_view line, size_t max_bytes = 80) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < line.size() && i < max_bytes; ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  if (line.size() > max_bytes) out += "...";
  return out;
}

// Python's json module writes NaN, Infinity and -Infinity, which JSON does not have. Outside strings
// they become null, and the names of the keys they held are collected in `keys`. So do numbers too large for a
// double (`1e999`, which the parser refuses as an overflow), collected in `out_of_range`.
std::string replace_non_finite(std::string_view s, std::vector<std::string>& keys, std::vector<std::string>& out_of_range) {
  std::string out;
  out.reserve(s.size());
  bool in_string = false, escaped = false;
  size_t key_start = std::string_view::npos;
  std::string last_string;
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    if (in_string) {
      out += c;
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') {
        in_string = false;
        last_string = std::string(s.substr(key_start, i - key_start));
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
      key_start = i + 1;
      out += c;
      continue;
    }
    bool replaced = false;
    for (std::string_view word : {"-Infinity", "+Infinity", "Infinity", "NaN"}) {
      if (!replaced && s.substr(i, word.size()) == word) {
        out += "null";
        keys.push_back(last_string);
        i += word.size() - 1;
        replaced = true;
      }
    }
    if (!replaced && (c == '-' || (c >= '0' && c <= '9'))) {
      size_t end = i + 1;
      while (end < s.size() && std::strchr("0123456789+-.eE", s[end]) != nullptr) ++end;
      const std::string token(s.substr(i, end - i));
      const double v = std::strtod(token.c_str(), nullptr);
      if (std::isinf(v)) {
        out += "null";
        out_of_range.push_back(last_string);
      } else {
        out += token;
      }
      i = end - 1;
      replaced = true;
    }
    if (!replaced) out += c;
  }
  return out;
}

// "a", "b", "c": the first few names, then how many more (a hostile line may hold thousands). The scan found each
// name as written in the raw line; it is decoded as a JSON string where it is one, and quoted as a JSON string of at
// most 80 bytes, so that control characters are escaped and bytes that are not UTF-8 replaced: the message is logged
// and stored as JSON text.
std::string quoted_list(const std::vector<std::string>& names, size_t max_shown = 20) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < max_shown; ++i) {
    const JsonRead decoded = read_json("\"" + names[i] + "\"");
    const std::string n = decoded.ok() && decoded.value.is_string() ? decoded.value.get<std::string>() : names[i];
    out += (i ? ", " : "") + dump_compact(Json(n.size() > 80 ? n.substr(0, 80) + "..." : n));
  }
  if (names.size() > max_shown) out += " and " + std::to_string(names.size() - max_shown) + " more";
  return out;
}

}  // namespace

ReportParser::Item parse_report_line(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  ReportParser::Item item;
  // Deep values are refused before parsing: copying a JSON value is recursive, and a hostile trial must not be
  // able to overflow the stack.
  if (find_nesting_beyond(line, ReportParser::kMaxDepth) != std::string_view::npos) {
    item.error = "nested deeper than " + std::to_string(ReportParser::kMaxDepth) + " levels";
    return item;
  }
  const JsonReadLimits limits{ReportParser::kMaxKeys, ReportParser::kMaxDepth};
  JsonRead read = read_json(line, limits);
  std::vector<std::string> non_finite, out_of_range;
  if (read.outcome == JsonRead::Outcome::Syntax &&
      (line.find("NaN") != std::string_view::npos || line.find("Infinity") != std::string_view::npos ||
       read.error.find("number overflow") != std::string::npos)) {
    const std::string fixed = replace_non_finite(line, non_finite, out_of_range);
    JsonRead again = read_json(fixed, limits);
    if (again.outcome != JsonRead::Outcome::Syntax) read = std::move(again);
    if (read.ok() && read.value.is_object()) {
      if (!non_finite.empty()) item.error = "non-finite value (NaN or Infinity) stored as null: " + quoted_list(non_finite);
      if (!out_of_range.empty()) {
        item.error += (item.error.empty() ? "" : "; ") +
                      std::string("number out of range (beyond a double) stored as null: ") + quoted_list(out_of_range);
      }
    }
  }
  if (read.outcome == JsonRead::Outcome::TooManyKeys || read.outcome == JsonRead::Outcome::TooDeep) {
    // Counted while parsing: the rest of the line is not read.
    item.error = read.outcome == JsonRead::Outcome::TooManyKeys
                     ? "more than " + std::to_string(ReportParser::kMaxKeys) + " keys (the limit per report)"
                     : "nested deeper than " + std::to_string(ReportParser::kMaxDepth) + " levels";
    return item;
  }
  Json& j = read.value;
  if (j.is_discarded()) {
    item.error = "not valid JSON: \"" + preview(line) + "\"";
  } else if (!j.is_object()) {
    item.error = "a report must be a JSON object, got " + std::string(j.type_name());
  } else {
    item.ok = true;
    item.report = std::move(j);
  }
  return item;
}

void ReportParser::complete_line(std::string_view line, std::vector<Item>& out) {
  if (line.find_first_not_of(" \t\r") == std::string_view::npos) return;  // blank lines are harmless
  out.push_back(parse_report_line(line));
}

std::vector<ReportParser::Item> ReportParser::feed(std::string_view bytes) {
  std::vector<Item> out;
  while (!bytes.empty()) {
    const size_t nl = bytes.find('\n');
    const std::string_view chunk = bytes.substr(0, nl);
    if (discarding_) {
      if (nl != std::string_view::npos) discarding_ = false;
    } else if (partial_.size() + chunk.size() > kMaxLine) {
      out.push_back({false, nullptr, "line longer than 1 MiB ignored"});
      partial_.clear();
      discarding_ = nl == std::string_view::npos;
    } else if (nl == std::string_view::npos) {
      partial_.append(chunk);
    } else if (partial_.empty()) {
      complete_line(chunk, out);
    } else {
      partial_.append(chunk);
      complete_line(partial_, out);
      partial_.clear();
    }
    if (nl == std::string_view::npos) break;
    bytes.remove_prefix(nl + 1);
  }
  return out;
}

std::vector<ReportParser::Item> ReportParser::finish() {
  std::vector<Item> out;
  if (!discarding_ && !partial_.empty()) complete_line(partial_, out);
  partial_.clear();
  discarding_ = false;
  return out;
}

}  // namespace tunelab
