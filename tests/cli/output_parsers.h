#pragma once
// Independent readers of what lookalike-cli prints as CSV and JSON, so the tests check that the
// output really parses (not that it matches the CLI's own writer). Header-only.

#include <cctype>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace lookalike::fixtures {

// RFC 4180: records of fields; quoted fields may hold commas, doubled quotes and line breaks.
inline std::vector<std::vector<std::string>> parseCsv(const std::string& text) {
    std::vector<std::vector<std::string>> records;
    std::vector<std::string> record;
    std::string field;
    bool quoted = false;
    bool fieldStarted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                field += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                field += c;
            }
        } else if (c == '"') {
            if (fieldStarted)
                throw std::runtime_error("CSV: a quote inside an unquoted field");
            quoted = true;
            fieldStarted = true;
        } else if (c == ',') {
            record.push_back(field);
            field.clear();
            fieldStarted = false;
        } else if (c == '\n') {
            record.push_back(field);
            records.push_back(record);
            record.clear();
            field.clear();
            fieldStarted = false;
        } else {
            field += c;
            fieldStarted = true;
        }
    }
    if (quoted)
        throw std::runtime_error("CSV: unterminated quote");
    if (fieldStarted || !record.empty()) {
        record.push_back(field);
        records.push_back(record);
    }
    return records;
}

// A JSON value limited to what the CLI prints: arrays of objects of strings and numbers.
struct JsonValue {
    enum class Kind { String, Number, Object, Array } kind = Kind::String;
    std::string text;
    double number = 0.0;
    std::map<std::string, JsonValue> members;
    std::vector<JsonValue> elements;
};

class JsonReader {
public:
    explicit JsonReader(const std::string& text) : m_text(text) {}

    JsonValue parseDocument() {
        JsonValue value = parseValue();
        skipSpace();
        if (m_at != m_text.size())
            fail("trailing characters");
        return value;
    }

private:
    [[noreturn]] void fail(const std::string& what) const {
        throw std::runtime_error("JSON: " + what + " at offset " + std::to_string(m_at));
    }
    void skipSpace() {
        while (m_at < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_at])))
            ++m_at;
    }
    void expect(char c) {
        skipSpace();
        if (m_at >= m_text.size() || m_text[m_at] != c)
            fail(std::string("expected '") + c + "'");
        ++m_at;
    }
    bool next(char c) {
        skipSpace();
        return m_at < m_text.size() && m_text[m_at] == c;
    }

    std::string parseString() {
        expect('"');
        std::string out;
        while (true) {
            if (m_at >= m_text.size())
                fail("unterminated string");
            const char c = m_text[m_at++];
            if (c == '"')
                return out;
            if (static_cast<unsigned char>(c) < 0x20)
                fail("raw control character in a string");
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_at >= m_text.size())
                fail("bad escape");
            const char e = m_text[m_at++];
            switch (e) {
            case '"': out += '"'; break;
            case '\\': out += '\\'; break;
            case '/': out += '/'; break;
            case 'b': out += '\b'; break;
            case 'f': out += '\f'; break;
            case 'n': out += '\n'; break;
            case 'r': out += '\r'; break;
            case 't': out += '\t'; break;
            case 'u': {
                if (m_at + 4 > m_text.size())
                    fail("bad \\u escape");
                const unsigned long point = std::strtoul(m_text.substr(m_at, 4).c_str(), nullptr, 16);
                m_at += 4;
                if (point < 0x80) {
                    out += static_cast<char>(point);
                } else if (point < 0x800) {
                    out += static_cast<char>(0xC0 | (point >> 6));
                    out += static_cast<char>(0x80 | (point & 0x3F));
                } else {
                    out += static_cast<char>(0xE0 | (point >> 12));
                    out += static_cast<char>(0x80 | ((point >> 6) & 0x3F));
                    out += static_cast<char>(0x80 | (point & 0x3F));
                }
                break;
            }
            default:
                fail("bad escape");
            }
        }
    }

    JsonValue parseValue() {
        skipSpace();
        if (m_at >= m_text.size())
            fail("unexpected end");
        JsonValue value;
        const char c = m_text[m_at];
        if (c == '"') {
            value.kind = JsonValue::Kind::String;
            value.text = parseString();
        } else if (c == '[') {
            value.kind = JsonValue::Kind::Array;
            ++m_at;
            if (next(']')) {
                ++m_at;
                return value;
            }
            do {
                value.elements.push_back(parseValue());
            } while (next(',') && ++m_at);
            expect(']');
        } else if (c == '{') {
            value.kind = JsonValue::Kind::Object;
            ++m_at;
            if (next('}')) {
                ++m_at;
                return value;
            }
            do {
                std::string key = parseString();
                expect(':');
                value.members[key] = parseValue();
            } while (next(',') && ++m_at);
            expect('}');
        } else {
            value.kind = JsonValue::Kind::Number;
            const char* start = m_text.c_str() + m_at;
            char* end = nullptr;
            value.number = std::strtod(start, &end);
            if (end == start)
                fail("expected a value");
            m_at += static_cast<std::size_t>(end - start);
        }
        return value;
    }

    const std::string& m_text;
    std::size_t m_at = 0;
};

}  // namespace lookalike::fixtures
