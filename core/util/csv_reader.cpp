#include "core/util/csv_reader.h"

#include <istream>
#include <stdexcept>
#include <string_view>

namespace lookalike {

CsvReader::CsvReader(std::istream& in) : m_in(in) {
    if (m_in.peek() == 0xEF) {
        char bom[3] = {};
        m_in.read(bom, 3);
        if (std::string_view(bom, 3) != "\xEF\xBB\xBF") {
            m_in.clear();
            m_in.seekg(0);
        }
    }
}

std::optional<std::vector<std::string>> CsvReader::next() {
    std::vector<std::string> fields;
    std::string field;
    bool quoted = false;       // inside a quoted part
    bool any = false;          // read anything of this record
    m_recordLine = m_line;
    for (int got = m_in.get(); got != std::char_traits<char>::eof(); got = m_in.get()) {
        const char c = static_cast<char>(got);
        any = true;
        if (quoted) {
            if (c == '"') {
                if (m_in.peek() == '"') {
                    m_in.get();
                    field += '"';
                } else {
                    quoted = false;
                }
            } else {
                if (c == '\n')
                    ++m_line;
                field += c;
            }
            continue;
        }
        if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            fields.push_back(std::move(field));
            field.clear();
        } else if (c == '\r' && m_in.peek() == '\n') {
            continue;  // the '\n' ends the record
        } else if (c == '\n') {
            ++m_line;
            fields.push_back(std::move(field));
            return fields;
        } else {
            field += c;
        }
    }
    if (quoted)
        throw std::runtime_error("line " + std::to_string(m_recordLine) + ": a quoted field is never closed");
    if (!any)
        return std::nullopt;
    fields.push_back(std::move(field));
    return fields;
}

}  // namespace lookalike
