#pragma once
// A tiny option reader for the subcommands: positional arguments, --flag and --key VALUE.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace tunelab::cli {

struct ParsedArgs {
  std::vector<std::string> positional;
  std::map<std::string, std::string> values;  // --key VALUE (or --key=VALUE)
  std::set<std::string> flags;                // --flag
  std::string error;                          // set when the arguments are bad

  bool has(const std::string& flag) const { return flags.count(flag) > 0; }
  std::optional<std::string> value(const std::string& key) const {
    auto it = values.find(key);
    return it == values.end() ? std::nullopt : std::optional(it->second);
  }
};

// `with_value` lists the options that take a value; `flags` those that do not.
inline ParsedArgs parse_args(const std::vector<std::string>& args, const std::set<std::string>& with_value,
                             const std::set<std::string>& flags) {
  ParsedArgs p;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() > 2 && a.starts_with("--")) {
      std::string key = a.substr(2), val;
      const auto eq = key.find('=');
      const bool inline_value = eq != std::string::npos;
      if (inline_value) {
        val = key.substr(eq + 1);
        key = key.substr(0, eq);
      }
      if (with_value.count(key)) {
        if (!inline_value) {
          if (i + 1 >= args.size()) {
            p.error = "option --" + key + " needs a value";
            return p;
          }
          val = args[++i];
        }
        p.values[key] = val;
      } else if (flags.count(key) && !inline_value) {
        p.flags.insert(key);
      } else {
        p.error = "unknown option " + a;
        return p;
      }
    } else {
      p.positional.push_back(a);
    }
  }
  return p;
}

}  // namespace tunelab::cli
