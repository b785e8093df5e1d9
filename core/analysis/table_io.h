#pragma once
// Tables as `show` and `export` write them: CSV (a header line, then a line per row) or JSON (an array of one
// object per row, as Json::dump(2) prints it). All at once (to_csv, to_json_rows), or a row at a time through a
// TableWriter: an export of millions of results streams its rows instead of holding them.
#include <cstddef>
#include <ostream>
#include <string>
#include <vector>

#include "core/util/json.h"

namespace tunelab {

// A table: column names and rows of JSON values (null for absent cells).
struct Table {
  std::vector<std::string> columns;
  std::vector<std::vector<Json>> rows;
  // What the flat columns could not keep apart: a metric renamed so that it does not pass for a config value or a
  // fixed column, a nested key and a dotted key that flatten to one name. For people (a warning each).
  std::vector<std::string> notes;
};

// Receives a table's columns once, then its rows.
class TableSink {
 public:
  virtual ~TableSink() = default;
  virtual void begin(const std::vector<std::string>& columns) = 0;
  virtual void row(std::vector<Json> cells) = 0;
};

// A row as a JSON object: a repeated column name keeps its first place and takes the last value.
class RowObjects {
 public:
  explicit RowObjects(const std::vector<std::string>& columns);
  Json object(const std::vector<Json>& row) const;

 private:
  std::vector<size_t> place_;
  std::vector<std::string> names_;
};

class TableWriter final : public TableSink {
 public:
  enum class Format { Csv, JsonRows };
  TableWriter(std::ostream& out, Format format) : out_(out), format_(format) {}
  void begin(const std::vector<std::string>& columns) override;
  void row(std::vector<Json> cells) override;
  // Ends the text (JSON's closing bracket and the last newline); once, after the rows.
  void end();
  size_t rows() const { return rows_; }

 private:
  std::ostream& out_;
  Format format_;
  std::vector<std::string> columns_;
  std::vector<RowObjects> objects_;  // one, once begun (JSON)
  size_t rows_ = 0;
};

std::string to_csv(const Table& t);
Json to_json_rows(const Table& t);  // an array of objects
// The whole table through a writer (the rows are not copied when `t` is an rvalue's).
void write_table(const Table& t, TableWriter& w);

}  // namespace tunelab
