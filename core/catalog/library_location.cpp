#include "core/catalog/library_location.h"

#include "core/catalog/backends.h"
#include "core/util/file_util.h"

namespace lookalike::catalog {

LibraryLocation::LibraryLocation(std::filesystem::path folder) : m_folder(std::move(folder)) {}

bool LibraryLocation::looksLikeServer(std::string_view text) {
    return text.starts_with("postgresql://") || text.starts_with("postgres://");
}

LibraryLocation LibraryLocation::parse(std::string_view text) {
    if (!looksLikeServer(text))
        return LibraryLocation(std::filesystem::path(text));
    LibraryLocation location;
    location.m_uri = std::string(text);
    return location;
}

std::string LibraryLocation::problem() const {
    if (!isServer())
        return m_folder.empty() ? "no library folder given" : "";
    try {
        detail::describeServerUri(m_uri);
        return "";
    } catch (const std::exception& error) {
        return error.what();
    }
}

std::string LibraryLocation::display() const {
    if (!isServer())
        return displayPath(m_folder);
    try {
        return detail::describeServerUri(m_uri);
    } catch (const std::exception&) {
        return "postgresql://… (not a valid connection URI)";
    }
}

namespace {

// The URI without "user:secret@"'s secret and without a password=... parameter.
std::string stripPassword(const std::string& uri) {
    std::string out = uri;
    const std::size_t authority = out.find("://") + 3;
    const std::size_t authorityEnd = out.find_first_of("/?", authority);
    const std::size_t at = out.rfind('@', authorityEnd == std::string::npos ? out.size() : authorityEnd);
    if (at != std::string::npos && at >= authority) {
        const std::size_t colon = out.find(':', authority);
        if (colon != std::string::npos && colon < at)
            out.erase(colon, at - colon);
    }
    const std::size_t query = out.find('?');
    if (query == std::string::npos)
        return out;
    std::string kept;
    for (std::size_t start = query + 1; start <= out.size();) {
        std::size_t end = out.find('&', start);
        if (end == std::string::npos)
            end = out.size();
        const std::string parameter = out.substr(start, end - start);
        if (!parameter.empty() && !parameter.starts_with("password="))
            kept += (kept.empty() ? "" : "&") + parameter;
        start = end + 1;
    }
    return out.substr(0, query) + (kept.empty() ? "" : "?" + kept);
}

}  // namespace

std::string LibraryLocation::withoutPassword() const {
    return isServer() ? stripPassword(m_uri) : m_folder.string();
}

bool LibraryLocation::hasPassword() const {
    return isServer() && stripPassword(m_uri) != m_uri;
}

}  // namespace lookalike::catalog
