#pragma once
// The machine-readable formats of Lookalike output (lookalike-cli, exports): CSV (RFC 4180) and JSON strings.
// (CSV input is read by core/util/csv_reader.h.)

#include <string>
#include <string_view>

namespace lookalike {

// A CSV field: quoted, with quotes doubled, when it holds a comma, a quote, CR or LF, or starts
// or ends with a space.
std::string csvField(std::string_view text);

// A JSON string literal, quotes included. Control characters are escaped; bytes that are not
// valid UTF-8 (a file name can hold any bytes) become U+FFFD so the output always parses.
std::string jsonString(std::string_view text);

// Text for one line of tab-separated output: tab, CR and LF (a file name may hold them) are
// written as \t, \r and \n, so that one item stays one line.
std::string oneLine(std::string_view text);

// Four decimals ("0.8125"), as scores and retrieval metrics are printed.
std::string fixed4(double value);

// The shortest decimal text that reads back as the same float.
std::string exactFloat(float value);

}  // namespace lookalike
