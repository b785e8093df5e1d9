#include "core/trainables/curve_table.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>

namespace tunelab {
namespace {

// Splits CSV text into records of fields; quotes may hold commas, newlines and doubled quotes.
// `lines` gets the line number each record starts on.
Result<std::vector<std::vector<std::string>>> split_csv(const std::string& text, const std::string& source,
                                                        std::vector<int>& lines) {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> rec;
  std::string field;
  bool quoted = false, any = false;
  int line = 1, rec_line = 1;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++line;
        field += c;
      }
      continue;
    }
    if (c == '"') {
      quoted = true;
      any = true;
    } else if (c == ',') {
      rec.push_back(std::move(field));
      field.clear();
      any = true;
    } else if (c == '\n' || c == '\r') {
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (any || !field.empty()) {
        rec.push_back(std::move(field));
        records.push_back(std::move(rec));
        lines.push_back(rec_line);
      }
      rec.clear();
      field.clear();
      any = false;
      rec_line = ++line;
    } else {
      field += c;
      any = true;
    }
  }
  if (quoted) return Error{source + ":" + std::to_string(rec_line), "unterminated quoted field"};
  if (any || !field.empty()) {
    rec.push_back(std::move(field));
    records.push_back(std::move(rec));
    lines.push_back(rec_line);
  }
  return records;
}

bool parse_number(const std::string& s, double* out) {
  if (s.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size()) return false;
  *out = v;
  return true;
}

bool is_epoch_name(const std::string& s) {
  if (s.empty() || s.size() > 9) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

}  // namespace

Result<CurveTable> parse_curve_table(const std::string& text, const std::string& source) {
  std::vector<int> lines;
  auto records = split_csv(text, source, lines);
  if (!records) return records.errors();
  if (records->empty()) return Error{source, "empty file: expected a header line"};
  const auto& header = (*records)[0];
  CurveTable t;
  size_t first_epoch = header.size();
  for (size_t i = 0; i < header.size(); ++i) {
    if (is_epoch_name(header[i])) {
      first_epoch = i;
      break;
    }
    t.config_columns.push_back(header[i]);
  }
  if (first_epoch == header.size()) {
    return Error{source + ":1", "no epoch columns: after the config columns, name one column per epoch 1, 2, 3, ..."};
  }
  for (size_t i = first_epoch; i < header.size(); ++i) {
    if (header[i] != std::to_string(i - first_epoch + 1)) {
      return Error{source + ":1", "epoch column " + std::to_string(i + 1) + " is named \"" + header[i] + "\"; expected \"" +
                                      std::to_string(i - first_epoch + 1) + "\" (epochs are numbered 1, 2, 3, ... after the config columns)"};
    }
  }
  for (size_t r = 1; r < records->size(); ++r) {
    const auto& rec = (*records)[r];
    const std::string where = source + ":" + std::to_string(lines[r]);
    if (rec.size() > header.size()) return Error{where, "has " + std::to_string(rec.size()) + " fields; the header has " + std::to_string(header.size())};
    CurveTable::Row row;
    row.config = Json::object();
    for (size_t i = 0; i < first_epoch; ++i) {
      const std::string cell = i < rec.size() ? rec[i] : "";
      double v = 0;
      row.config[header[i]] = parse_number(cell, &v) ? Json(v) : Json(cell);
    }
    bool ended = false;
    for (size_t i = first_epoch; i < header.size(); ++i) {
      const std::string cell = i < rec.size() ? rec[i] : "";
      double v = 0;
      if (cell.empty()) {
        ended = true;
        continue;
      }
      if (ended) return Error{where, "epoch " + header[i] + " has a value after an empty epoch; a curve cannot resume"};
      if (!parse_number(cell, &v)) return Error{where, "epoch " + header[i] + ": \"" + cell + "\" is not a number"};
      row.curve.push_back(v);
    }
    t.rows.push_back(std::move(row));
  }
  return t;
}

Result<CurveTable> load_curve_table(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{path, "cannot open the curve table"};
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_curve_table(ss.str(), path);
}

std::string to_csv(const CurveTable& t) {
  size_t epochs = 0;
  for (const auto& r : t.rows) epochs = std::max(epochs, r.curve.size());
  std::ostringstream out;
  out.precision(17);
  std::string sep;
  for (const auto& c : t.config_columns) {
    out << sep << csv_field(c);
    sep = ",";
  }
  for (size_t e = 1; e <= epochs; ++e) {
    out << sep << e;
    sep = ",";
  }
  out << "\n";
  for (const auto& r : t.rows) {
    sep.clear();
    for (const auto& c : t.config_columns) {
      const Json& v = r.config.contains(c) ? r.config[c] : Json();
      out << sep << (v.is_string() ? csv_field(v.get<std::string>()) : v.is_null() ? std::string() : csv_field(dump_compact(v)));
      sep = ",";
    }
    for (size_t e = 0; e < epochs; ++e) {
      out << sep;
      if (e < r.curve.size()) {
        if (std::isfinite(r.curve[e])) out << r.curve[e];
        else out << "nan";  // an empty cell would end the curve
      }
      sep = ",";
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace tunelab
