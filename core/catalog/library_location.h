#pragma once
// Where a library lives: a folder on this computer (SQLite, the default: nothing to set up), or
// a database on a PostgreSQL server that several desks share, named by a libpq connection URI
// ("postgresql:///lookalike?host=/run/postgresql&port=5432&user=shop").
//
// A URI may hold a password; it is never shown (display()) nor stored (withoutPassword()):
// credentials belong in ~/.pgpass or the PG* variables, where libpq finds them.

#include <filesystem>
#include <string>
#include <string_view>

namespace lookalike::catalog {

class LibraryLocation {
public:
    LibraryLocation() = default;
    LibraryLocation(std::filesystem::path folder);  // NOLINT(google-explicit-constructor): a folder is a location

    // A server when the text starts with postgresql:// or postgres://, else a folder path.
    // Never throws: problem() tells what is wrong with it, and opening it fails with that.
    static LibraryLocation parse(std::string_view text);
    static bool looksLikeServer(std::string_view text);

    bool isServer() const { return !m_uri.empty(); }
    const std::filesystem::path& folder() const { return m_folder; }  // empty for a server
    const std::string& uri() const { return m_uri; }                  // empty for a folder

    // Why this cannot name a library ("" when it can): a malformed URI, an empty folder.
    std::string problem() const;
    // For people: the folder, or the server without a password.
    std::string display() const;
    // What settings keep: the folder, or the URI with any password taken out.
    std::string withoutPassword() const;
    bool hasPassword() const;

private:
    std::filesystem::path m_folder;
    std::string m_uri;
};

}  // namespace lookalike::catalog
