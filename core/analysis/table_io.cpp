#include "core/analysis/table_io.h"

#include <sstream>
#include <unordered_map>

namespace tunelab {
namespace {

std::string csv_field(const Json& v) {
  if (v.is_null()) return "";
  std::string s = v.is_string() ? v.get<std::string>() : dump_compact(v);
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('"');
  for (char c : s) {
    if (c == '"') q.push_back('"');
    q.push_back(c);
  }
  q.push_back('"');
  return q;
}

void csv_line(std::ostream& out, const std::vector<std::string>& fields) {
  std::string line;
  for (size_t i = 0; i < fields.size(); ++i) line += (i ? "," : "") + fields[i];
  line += "\n";
  out << line;
}

}  // namespace

RowObjects::RowObjects(const std::vector<std::string>& columns) : place_(columns.size()) {
  // Each column's place among the members, found once, without a search through the members for each row.
  std::unordered_map<std::string, size_t> seen;
  for (size_t i = 0; i < columns.size(); ++i) {
    auto [it, fresh] = seen.try_emplace(columns[i], names_.size());
    if (fresh) names_.push_back(columns[i]);
    place_[i] = it->second;
  }
}

Json RowObjects::object(const std::vector<Json>& row) const {
  Json o = Json::object();
  auto& members = o.get_ref<Json::object_t&>();
  members.reserve(names_.size());
  for (const auto& n : names_) members.emplace_back(n, nullptr);
  for (size_t i = 0; i < row.size() && i < place_.size(); ++i) {
    std::next(members.begin(), static_cast<std::ptrdiff_t>(place_[i]))->second = row[i];
  }
  return o;
}

void TableWriter::begin(const std::vector<std::string>& columns) {
  columns_ = columns;
  if (format_ == Format::Csv) {
    std::vector<std::string> fields;
    for (const auto& c : columns) fields.push_back(csv_field(c));
    csv_line(out_, fields);
  } else {
    objects_.emplace_back(columns);
  }
}

void TableWriter::row(std::vector<Json> cells) {
  if (format_ == Format::Csv) {
    std::vector<std::string> fields;
    fields.reserve(cells.size());
    for (const auto& v : cells) fields.push_back(csv_field(v));
    csv_line(out_, fields);
  } else {
    // As Json::dump(2) prints an array's element: each line of the object's own dump indented by two.
    const std::string text = objects_.front().object(cells).dump(2, ' ', false, nlohmann::detail::error_handler_t::replace);
    std::string indented = rows_ == 0 ? "[\n  " : ",\n  ";
    for (char c : text) {
      indented.push_back(c);
      if (c == '\n') indented += "  ";
    }
    out_ << indented;
  }
  ++rows_;
}

void TableWriter::end() {
  if (format_ == Format::JsonRows) out_ << (rows_ == 0 ? "[]\n" : "\n]\n");
}

void write_table(const Table& t, TableWriter& w) {
  w.begin(t.columns);
  for (const auto& r : t.rows) w.row(r);
  w.end();
}

std::string to_csv(const Table& t) {
  std::ostringstream out;
  TableWriter w(out, TableWriter::Format::Csv);
  write_table(t, w);
  return out.str();
}

Json to_json_rows(const Table& t) {
  const RowObjects objects(t.columns);
  Json out = Json::array();
  for (const auto& row : t.rows) out.push_back(objects.object(row));
  return out;
}

}  // namespace tunelab
