#pragma once
// Errors cross the core's API as values. An Error names what went wrong and where:
// a JSON path ("space.lr.low") for specs, "file:line" for files, or empty when there is no place.
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace tunelab {

struct Error {
  std::string where;    // JSON path like "space.lr.low", or "file:line"; may be empty
  std::string message;  // what is wrong, in the user's words

  std::string to_string() const { return where.empty() ? message : where + ": " + message; }
};

using Errors = std::vector<Error>;

std::string join_errors(const Errors& errors, const std::string& separator = "\n");

// A value or one or more errors (spec validation reports all its errors at once).
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}                      // NOLINT: implicit by design
  Result(Error error) : v_(Errors{std::move(error)}) {}         // NOLINT
  Result(Errors errors) : v_(std::move(errors)) {}              // NOLINT

  bool ok() const { return std::holds_alternative<T>(v_); }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Errors& errors() const { return std::get<Errors>(v_); }
  std::string error_text() const { return ok() ? std::string() : join_errors(errors()); }

 private:
  std::variant<T, Errors> v_;
};

// A success-or-errors outcome without a value.
class Status {
 public:
  Status() = default;
  Status(Error e) : errors_{std::move(e)} {}     // NOLINT
  Status(Errors e) : errors_(std::move(e)) {}   // NOLINT
  static Status Ok() { return {}; }
  bool ok() const { return errors_.empty(); }
  explicit operator bool() const { return ok(); }
  const Errors& errors() const { return errors_; }
  std::string error_text() const { return join_errors(errors_); }

 private:
  Errors errors_;
};

inline std::string join_errors(const Errors& errors, const std::string& separator) {
  std::string out;
  for (const auto& e : errors) {
    if (!out.empty()) out += separator;
    out += e.to_string();
  }
  return out;
}

}  // namespace tunelab
