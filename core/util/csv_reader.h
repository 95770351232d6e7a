#pragma once
// Reading CSV (RFC 4180) files that people wrote, such as the groups import's file,group list.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace lookalike {

// Reads CSV records one at a time: fields separated by commas, optionally quoted, quotes
// doubled inside quotes, CRLF or LF line ends, line breaks inside quoted fields. A UTF-8 byte
// order mark at the start is skipped. Not thread-safe; reads `in` as it goes.
class CsvReader {
public:
    explicit CsvReader(std::istream& in);

    // The next record, or nullopt at the end. Throws std::runtime_error naming the line for a
    // quote that is never closed.
    std::optional<std::vector<std::string>> next();
    // The line the last record returned by next() started on, from 1.
    std::int64_t line() const { return m_recordLine; }

private:
    std::istream& m_in;
    std::int64_t m_line = 1;
    std::int64_t m_recordLine = 0;
};

}  // namespace lookalike
