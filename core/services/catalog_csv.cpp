#include "core/services/catalog_csv.h"

#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/text.h"

#include <algorithm>
#include <stdexcept>

namespace lookalike::services {

namespace fs = std::filesystem;
using catalog::ItemId;

CatalogCsv::CatalogCsv(std::istream& in, std::string csvName) : m_reader(in), m_name(std::move(csvName)) {
    if (std::optional<std::vector<std::string>> header = record())
        for (const std::string& cell : *header)
            m_header.push_back(lowercase(trimmed(cell)));
}

std::optional<std::vector<std::string>> CatalogCsv::record() {
    try {
        return m_reader.next();
    } catch (const std::runtime_error& csvError) {
        throw FileError(m_name + ": " + csvError.what());
    }
}

std::optional<std::size_t> CatalogCsv::column(std::string_view name) const {
    auto found = std::find(m_header.begin(), m_header.end(), name);
    if (found == m_header.end())
        return std::nullopt;
    return static_cast<std::size_t>(found - m_header.begin());
}

void CatalogCsv::requireColumns(const std::vector<std::string_view>& required,
                                const std::vector<std::string_view>& alternatives, const std::string& expected) const {
    const bool hasRequired = std::all_of(required.begin(), required.end(), [&](std::string_view name) { return column(name).has_value(); });
    const bool hasAlternative = alternatives.empty() ||
                                std::any_of(alternatives.begin(), alternatives.end(), [&](std::string_view name) { return column(name).has_value(); });
    if (!hasRequired || !hasAlternative)
        throw FileError(m_name + ": the first row must name the columns: " + expected);
}

std::optional<std::vector<std::string>> CatalogCsv::next() {
    while (std::optional<std::vector<std::string>> row = record())
        if (std::any_of(row->begin(), row->end(), [](const std::string& cell) { return !trimmed(cell).empty(); }))
            return row;
    return std::nullopt;
}

std::string CatalogCsv::where() const {
    return "line " + std::to_string(m_reader.line()) + ": ";
}

std::string CatalogCsv::field(const std::vector<std::string>& row, std::optional<std::size_t> column) {
    return column && *column < row.size() ? trimmed(row[*column]) : std::string();
}

StreamProgress::StreamProgress(std::istream& in, ProgressCallback progress, std::string current)
    : m_in(in), m_progress(std::move(progress)), m_current(std::move(current)) {
    if (!m_progress)
        return;
    m_start = position();
    if (m_start < 0) {
        m_start = 0;  // a stream that cannot tell its position: the progress stays unknown
    } else if (m_in.seekg(0, std::ios::end)) {
        m_total = std::max<std::int64_t>(0, position() - m_start);
        m_in.seekg(m_start);
    }
    m_in.clear();
    m_progress(Progress{0, m_total, m_current});
}

std::int64_t StreamProgress::position() const {
    return static_cast<std::int64_t>(m_in.tellg());
}

void StreamProgress::report(std::int64_t rows) const {
    if (!m_progress || rows % 64 != 0)
        return;
    const std::int64_t at = position();
    m_progress(Progress{at < 0 ? 0 : std::clamp<std::int64_t>(at - m_start, 0, m_total), m_total, m_current});
}

void StreamProgress::finish() const {
    if (m_progress)
        m_progress(Progress{m_total, m_total, m_current});
}

CsvFile openCsvFile(const fs::path& csvFile) {
    CsvFile file{std::ifstream(csvFile, std::ios::binary), csvFile.string(), {}};
    if (!file.stream)
        throw FileError(csvFile.string() + ": cannot open the file");
    std::error_code error;
    file.folder = fs::absolute(csvFile, error).parent_path();
    return file;
}

CsvFileMatch matchCsvFile(catalog::Catalog& catalog, const std::string& file, const fs::path& csvFolder) {
    const fs::path path(file);
    std::vector<fs::path> candidates = {path};
    if (path.is_relative())
        candidates = {csvFolder / path, path};
    for (const fs::path& candidate : candidates)
        if (std::optional<ItemId> item = catalog::findItemAtPath(catalog, candidate))
            return {item, {}};
    const std::string name = displayPath(path.filename());
    std::vector<ItemId> named = name.empty() ? std::vector<ItemId>{} : catalog.findItemsByFileName(name);
    if (named.size() == 1)
        return {named.front(), {}};
    if (named.empty())
        return {std::nullopt, "no item of this library was imported from a file of that name or path"};
    std::string ids;
    for (std::size_t i = 0; i < named.size(); ++i)
        ids += (i == 0 ? "" : ", ") + std::to_string(named[i]);
    return {std::nullopt, std::to_string(named.size()) + " items have the file name " + name + " (ids " + ids +
                              "); give the file's path instead"};
}

}  // namespace lookalike::services
