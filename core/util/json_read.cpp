#include "core/util/json_read.h"

#include <iterator>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace tunelab {

namespace {

// Objects up to this many members find a repeated key by scanning them; larger ones get a hash index.
constexpr size_t kIndexFrom = 16;

// A SAX handler (nlohmann::json::sax_parse) that builds the value itself, like nlohmann's own DOM builder, but
// appends each new member to its object's member vector instead of searching it.
class Builder {
 public:
  explicit Builder(const JsonReadLimits& limits) : limits_(limits) {}

  bool null() { return put(Json(nullptr)); }
  bool boolean(bool v) { return put(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return put(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return put(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t&) { return put(Json(v)); }
  bool string(Json::string_t& v) { return put(Json(std::move(v))); }
  bool binary(Json::binary_t& v) { return put(Json::binary(std::move(v))); }

  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }

  bool key(Json::string_t& k) {
    if (++keys_ > limits_.max_keys) {
      return fail(JsonRead::Outcome::TooManyKeys, "more than " + std::to_string(limits_.max_keys) + " keys");
    }
    Frame& f = stack_.back();
    auto& members = f.value->get_ref<Json::object_t&>();
    size_t at = members.size();
    if (f.index) {
      if (auto it = f.index->find(k); it != f.index->end()) at = it->second;
    } else {
      for (size_t i = 0; i < members.size(); ++i) {
        if (std::next(members.begin(), static_cast<std::ptrdiff_t>(i))->first == k) {
          at = i;
          break;
        }
      }
    }
    if (at < members.size()) {
      // A repeated key keeps its first place and takes the last value.
      Json& slot = std::next(members.begin(), static_cast<std::ptrdiff_t>(at))->second;
      slot = nullptr;
      slot_ = &slot;
      return true;
    }
    if (!f.index && members.size() + 1 >= kIndexFrom) {
      f.index = std::make_unique<std::unordered_map<std::string, size_t>>();
      f.index->reserve(2 * kIndexFrom);
      for (size_t i = 0; i < members.size(); ++i) f.index->emplace(std::next(members.begin(), static_cast<std::ptrdiff_t>(i))->first, i);
    }
    if (f.index) f.index->emplace(k, members.size());
    members.emplace_back(std::move(k), nullptr);  // the vector's own emplace_back: no search
    slot_ = &members.back().second;
    return true;
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    return fail(JsonRead::Outcome::Syntax, e.what());
  }

  JsonRead take() {
    JsonRead r;
    r.outcome = outcome_;
    r.error = std::move(error_);
    if (r.ok()) r.value = std::move(root_);
    else r.value = Json(Json::value_t::discarded);
    return r;
  }

 private:
  struct Frame {
    Json* value;
    std::unique_ptr<std::unordered_map<std::string, size_t>> index;  // objects past kIndexFrom members
  };

  // Where the next value goes: the root, the end of the open array, or the slot of the key just read.
  Json* place(Json&& v) {
    if (stack_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& top = *stack_.back().value;
    if (top.is_array()) {
      auto& items = top.get_ref<Json::array_t&>();
      items.push_back(std::move(v));
      return &items.back();
    }
    *slot_ = std::move(v);
    return slot_;
  }
  bool put(Json&& v) {
    place(std::move(v));
    return true;
  }
  bool open(Json&& container) {
    if (stack_.size() + 1 > limits_.max_depth) {
      return fail(JsonRead::Outcome::TooDeep, "nested deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    stack_.push_back({place(std::move(container)), nullptr});
    return true;
  }
  bool close() {
    stack_.pop_back();
    return true;
  }
  bool fail(JsonRead::Outcome o, std::string why) {
    outcome_ = o;
    error_ = std::move(why);
    return false;
  }

  const JsonReadLimits limits_;
  Json root_;
  std::vector<Frame> stack_;
  Json* slot_ = nullptr;
  size_t keys_ = 0;
  JsonRead::Outcome outcome_ = JsonRead::Outcome::Ok;
  std::string error_;
};

}  // namespace

JsonRead read_json(std::string_view text, const JsonReadLimits& limits) {
  Builder b(limits);
  const bool ok = Json::sax_parse(text.begin(), text.end(), &b);
  JsonRead r = b.take();
  if (!ok && r.ok()) {  // not expected: the handler records every failure
    r.outcome = JsonRead::Outcome::Syntax;
    r.error = "not valid JSON";
    r.value = Json(Json::value_t::discarded);
  }
  // nlohmann's lexer takes a NUL byte for the end of the input, so "{...}\0anything" read as its first part. JSON
  // text cannot hold a NUL (not even in a string, where it is written \u0000).
  if (const size_t nul = text.find('\0'); r.ok() && nul != std::string_view::npos) {
    r.outcome = JsonRead::Outcome::Syntax;
    r.error = "a NUL byte at offset " + std::to_string(nul) + " (JSON text cannot hold one; in a string write \\u0000)";
    r.value = Json(Json::value_t::discarded);
  }
  return r;
}

}  // namespace tunelab
