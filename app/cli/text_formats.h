#pragma once
// The machine-readable formats of lookalike-cli output and input: CSV (RFC 4180) and JSON
// strings.

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lookalike::cli {

// A CSV field: quoted, with quotes doubled, when it holds a comma, a quote, CR or LF, or starts
// or ends with a space.
std::string csvField(std::string_view text);

// A JSON string literal, quotes included. Control characters are escaped; bytes that are not
// valid UTF-8 (a file name can hold any bytes) become U+FFFD so the output always parses.
std::string jsonString(std::string_view text);

// Text for one line of tab-separated output: tab, CR and LF (a file name may hold them) are
// written as \t, \r and \n, so that one item stays one line.
std::string oneLine(std::string_view text);

// The shortest decimal text that reads back as the same float.
std::string exactFloat(float value);

// Reads CSV records one at a time: fields separated by commas, optionally quoted, quotes
// doubled inside quotes, CRLF or LF line ends, line breaks inside quoted fields. A UTF-8 byte
// order mark at the start is skipped.
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

}  // namespace lookalike::cli
