#pragma once
// The store's schema and its migrations (docs/storage.md). The schema version is SQLite's user_version.
#include <string>

struct sqlite3;

namespace tunelab {

// Sets WAL mode and brings the database to the current schema, one migration per transaction.
// Returns an error text, or empty on success. Refuses, before changing anything, what check_study_file refuses.
std::string migrate(sqlite3* db);

// Checks, changing nothing, that the file can be opened for writing: an empty database, or a TuneLab study
// of schema version 1 to current whose tables and columns are those of its version. Refuses a foreign file
// (other tables, a negative or missing version, tables or columns missing) and a newer version.
std::string check_study_file(sqlite3* db);

// The database's schema version (user_version), or -1 when unreadable.
int schema_version(sqlite3* db);

// For read-only connections: checks the file is a TuneLab study this build can read (as check_study_file,
// and not empty).
std::string check_schema_readable(sqlite3* db);

}  // namespace tunelab
