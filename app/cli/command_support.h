#pragma once
// What the commands of lookalike-cli share: the library folder they work on, Ctrl+C as a
// cancel token, the progress line on a terminal, and how ITEM and GROUP arguments are read.

#include "app/cli/cli_options.h"

#include "core/catalog/catalog.h"
#include "core/catalog/library_lock.h"
#include "core/services/library.h"
#include "core/util/progress.h"
#include "core/util/unix_time.h"

#include <chrono>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <vector>

namespace lookalike::cli {

// Ctrl+C (and SIGTERM) set this token instead of killing the process, so a job stops between
// units of work and keeps what it committed.
CancelToken& interruptToken();
void installInterruptHandler();

// --library DIR or URI, else the default library. Throws UsageError for a malformed URI.
catalog::LibraryLocation libraryLocation(const Arguments& args);

// Reading commands must not create an empty library as a side effect: these throw LibraryError
// ("No library at ...") when the folder holds no catalog.
catalog::Catalog openExistingLibrary(const Arguments& args);
// Commands that change a library hold its lock (core/catalog/library_lock.h) while they run,
// so the GUI or another lookalike-cli cannot write it at the same time; reading commands do
// not. Throws LibraryInUseError naming the other process. lockExistingLibrary() first checks
// that there is a library, so a command that does not create one never does.
catalog::LibraryLock lockLibrary(const catalog::LibraryLocation& library);
catalog::LibraryLock lockExistingLibrary(const Arguments& args);
// The options every command opens a library with: the shipped pretrained model included.
services::LibraryOptions libraryOptions();

enum class ItemsNeeded { No, Yes };
// With ItemsNeeded::Yes, a library without items is a LibraryError too (catalog::requireSomeItems,
// checked before anything is written, so the failed command changes nothing).
std::unique_ptr<services::Library> openExistingLookalikes(const Arguments& args, ItemsNeeded items);

// Rewrites one status line on a terminal, at most ten times a second; silent when stderr is
// not a terminal. Progress.current is a file path (its name is shown) or a phase name.
class TerminalProgress {
public:
    explicit TerminalProgress(std::ostream& err);
    ~TerminalProgress();
    TerminalProgress(const TerminalProgress&) = delete;
    TerminalProgress& operator=(const TerminalProgress&) = delete;

    void operator()(const Progress& progress);
    void clear();
    // A callback for core that forwards to this object, which must outlive it.
    ProgressCallback callback();

private:
    std::ostream& m_err;
    bool m_enabled;
    bool m_shown = false;
    std::chrono::steady_clock::time_point m_last{};
};

// ITEM: an item id, or a path the catalog has seen (catalog::findItemAtPath). nullopt when it is
// neither; a number that names no item throws LibraryError.
std::optional<catalog::ItemId> findItem(catalog::Catalog& catalog, const std::string& text);
// Like findItem, but an argument that names no item throws LibraryError saying so.
catalog::ItemId requireItem(catalog::Catalog& catalog, const std::string& text);
// GROUP: a group id or name (names ignore case). Throws LibraryError for an unknown group.
catalog::Group requireGroup(catalog::Catalog& catalog, const std::string& text);

// --format, among the ones the command offers (the first is the default). Throws UsageError
// naming the choices for another.
enum class OutputFormat { Text, Csv, Json };
OutputFormat parseFormat(const Arguments& args, const std::vector<std::string>& offered);

// "3 items", "1 item"
std::string plural(std::int64_t count, const std::string& noun);

// Brings the active model's embeddings and index up to date with a progress line. False, after
// saying so on `err`, when Ctrl+C stopped it; what was embedded so far is kept. Notices the
// library has are printed as "Note: ...".
bool refreshLookalikes(services::Library& library, std::ostream& err);
// "300 items, model 1 (descriptors)"
std::string describeServing(services::Library& library);

// "item 7 (red-dress)" for messages.
std::string describeItem(catalog::Catalog& catalog, catalog::ItemId item);

}  // namespace lookalike::cli
