#include "app/cli/command_support.h"

#include "core/services/library.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <map>
#include <ostream>
#include <unistd.h>

namespace lookalike::cli {

namespace fs = std::filesystem;

namespace {

CancelToken g_interrupt;

extern "C" void onInterrupt(int) {
    g_interrupt.cancel();
}

bool isWholeNumber(const std::string& text) {
    return !text.empty() && text.size() <= 18 &&
           std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

CancelToken& interruptToken() {
    return g_interrupt;
}

void installInterruptHandler() {
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

catalog::LibraryLocation libraryLocation(const Arguments& args) {
    if (!args.library)
        return catalog::defaultLibraryDir();
    catalog::LibraryLocation location = catalog::LibraryLocation::parse(*args.library);
    if (const std::string problem = location.problem(); !problem.empty())
        throw UsageError("--library: " + problem);
    return location;
}

namespace {

// A server library is there once its database is reachable: opening it makes the tables.
catalog::LibraryLocation requireExistingLibrary(const Arguments& args) {
    catalog::LibraryLocation library = libraryLocation(args);
    if (!library.isServer() && !fs::exists(catalog::catalogPath(library.folder())))
        throw LibraryError("No library at " + library.display() +
                           " (import a folder first, or pass --library DIR)");
    return library;
}

}  // namespace

catalog::Catalog openExistingLibrary(const Arguments& args) {
    return catalog::Catalog::open(requireExistingLibrary(args));
}

catalog::LibraryLock lockLibrary(const catalog::LibraryLocation& library) {
    return catalog::LibraryLock::acquire(library, "lookalike-cli");
}

catalog::LibraryLock lockExistingLibrary(const Arguments& args) {
    return lockLibrary(requireExistingLibrary(args));
}

services::LibraryOptions libraryOptions() {
    services::LibraryOptions options;
    options.pretrainedModel = services::defaultPretrainedModel();
    options.pretrainedBackbone = services::defaultPretrainedBackbone();
    // Below this many items search is exact and no index file is kept. Tests lower it so that
    // a small library exercises the HNSW index and its file (the crash harness kills writers
    // of that file); a value that is not a whole number is ignored.
    if (const char* below = std::getenv("LOOKALIKE_EXACT_SEARCH_BELOW"); below && isWholeNumber(below))
        options.bruteForceBelow = static_cast<std::size_t>(std::stoll(below));
    return options;
}

std::unique_ptr<services::Library> openExistingLookalikes(const Arguments& args, ItemsNeeded items) {
    std::unique_ptr<services::Library> opened = services::Library::open(requireExistingLibrary(args), libraryOptions());
    if (items == ItemsNeeded::Yes)
        catalog::requireSomeItems(opened->catalog());
    return opened;
}

TerminalProgress::TerminalProgress(std::ostream& err) : m_err(err), m_enabled(::isatty(STDERR_FILENO)) {}

TerminalProgress::~TerminalProgress() {
    clear();
}

void TerminalProgress::operator()(const Progress& progress) {
    if (!m_enabled)
        return;
    auto now = std::chrono::steady_clock::now();
    if (progress.done != progress.total && now - m_last < std::chrono::milliseconds(100))
        return;
    m_last = now;
    std::string name = fs::path(progress.current).filename().string();
    if (name.size() > 40)
        name = name.substr(0, 37) + "...";
    m_err << "\r\033[K";
    if (progress.total > 0)
        m_err << "[" << progress.done << "/" << progress.total << "] ";
    m_err << name << std::flush;
    m_shown = true;
}

void TerminalProgress::clear() {
    if (m_shown)
        m_err << "\r\033[K" << std::flush;
    m_shown = false;
}

ProgressCallback TerminalProgress::callback() {
    return [this](const Progress& progress) { (*this)(progress); };
}

std::optional<catalog::ItemId> findItem(catalog::Catalog& catalog, const std::string& text) {
    if (isWholeNumber(text)) {
        catalog::ItemId id = std::stoll(text);
        if (!catalog.item(id))
            throw LibraryError("There is no item " + text + " in this library.");
        return id;
    }
    if (text.empty())
        return std::nullopt;
    return catalog::findItemAtPath(catalog, text);
}

catalog::ItemId requireItem(catalog::Catalog& catalog, const std::string& text) {
    if (std::optional<catalog::ItemId> found = findItem(catalog, text))
        return *found;
    std::error_code error;
    if (fs::is_regular_file(text, error))
        throw LibraryError(text + " is not in this library (import its folder first)");
    throw LibraryError(text + ": no such item or file");
}

catalog::Group requireGroup(catalog::Catalog& catalog, const std::string& text) {
    if (isWholeNumber(text))
        if (std::optional<catalog::Group> group = catalog.group(std::stoll(text)))
            return *group;
    if (std::optional<catalog::Group> group = catalog.findGroup(text))
        return *group;
    throw LibraryError("There is no group '" + text + "' (see 'lookalike-cli groups list').");
}

std::string describeItem(catalog::Catalog& catalog, catalog::ItemId item) {
    std::optional<catalog::ItemSummary> summary = catalog.item(item);
    return "item " + std::to_string(item) + (summary ? " (" + summary->displayName + ")" : "");
}

OutputFormat parseFormat(const Arguments& args, const std::vector<std::string>& offered) {
    static const std::map<std::string, OutputFormat> known = {
        {"text", OutputFormat::Text}, {"csv", OutputFormat::Csv}, {"json", OutputFormat::Json}};
    std::string name = args.option("format").value_or(offered.front());
    if (std::find(offered.begin(), offered.end(), name) == offered.end()) {
        std::string choices;
        for (std::size_t i = 0; i < offered.size(); ++i)
            choices += (i == 0 ? "" : i + 1 == offered.size() ? " or " : ", ") + offered[i];
        throw UsageError("--format expects " + choices + ", not '" + name + "'");
    }
    return known.at(name);
}

std::string plural(std::int64_t count, const std::string& noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

bool refreshLookalikes(services::Library& library, std::ostream& err) {
    TerminalProgress progress(err);
    try {
        library.refresh(progress.callback(), &interruptToken());
    } catch (const Cancelled&) {
        progress.clear();
        err << "Interrupted while preparing look-alikes: what was done so far is kept; run the "
               "command again to finish.\n";
        return false;
    }
    progress.clear();
    for (const std::string& notice : library.takeNotices())
        err << "Note: " << notice << "\n";
    return true;
}

std::string describeServing(services::Library& library) {
    std::optional<catalog::ModelId> active = library.activeModel();
    if (!active)
        return "no model";
    std::optional<catalog::ModelRecord> model = library.models().model(*active);
    std::string kind = model ? std::string(catalog::modelServes(*model)) : "unknown";
    return plural(library.models().embeddingCount(*active), "item") + ", model " + std::to_string(*active) +
           " (" + kind + ")";
}

}  // namespace lookalike::cli
