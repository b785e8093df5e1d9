#pragma once
// The store's schema and its migrations (docs/storage.md). The schema version is SQLite's user_version.
#include <string>

struct sqlite3;

namespace tunelab {

// Sets WAL mode and brings the database to the current schema, one migration per transaction.
// Returns an error text, or empty on success. Refuses a database newer than this build.
std::string migrate(sqlite3* db);

// The database's schema version (user_version), or -1 when unreadable.
int schema_version(sqlite3* db);

// For read-only connections: checks the file is a TuneLab store this build can read.
std::string check_schema_readable(sqlite3* db);

}  // namespace tunelab
