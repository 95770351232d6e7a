#include "app/cli/commands.h"

#include "app/cli/engine_commands.h"

#include "core/catalog/catalog.h"
#include "core/datasets/fashion_mnist.h"
#include "core/services/importer.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <iostream>
#include <sstream>
#include <unistd.h>

namespace lookalike::cli {

namespace fs = std::filesystem;

namespace {

CancelToken g_interrupt;

extern "C" void onInterrupt(int) {
    g_interrupt.cancel();
}

fs::path libraryDir(const Arguments& args) {
    return args.library ? *args.library : catalog::defaultLibraryDir();
}

// Reading commands must not create an empty library as a side effect.
catalog::Catalog openExistingLibrary(const Arguments& args) {
    fs::path library = libraryDir(args);
    if (!fs::exists(catalog::catalogPath(library)))
        throw LibraryError("No library at " + library.string() +
                           " (import a folder first, or pass --library DIR)");
    return catalog::Catalog::open(library);
}

// Rewrites one status line on a terminal, at most ten times a second.
class TerminalProgress {
public:
    explicit TerminalProgress(std::ostream& err) : m_err(err), m_enabled(::isatty(STDERR_FILENO)) {}
    ~TerminalProgress() { clear(); }

    void operator()(const Progress& progress) {
        if (!m_enabled)
            return;
        auto now = std::chrono::steady_clock::now();
        if (progress.done != progress.total && now - m_last < std::chrono::milliseconds(100))
            return;
        m_last = now;
        std::string name = fs::path(progress.current).filename().string();
        if (name.size() > 40)
            name = name.substr(0, 37) + "...";
        m_err << "\r\033[K[" << progress.done << "/" << progress.total << "] " << name << std::flush;
        m_shown = true;
    }

    void clear() {
        if (m_shown)
            m_err << "\r\033[K" << std::flush;
        m_shown = false;
    }

private:
    std::ostream& m_err;
    bool m_enabled;
    bool m_shown = false;
    std::chrono::steady_clock::time_point m_last{};
};

void printImportReport(const services::ImportReport& report, std::ostream& out) {
    const catalog::ImportCounts& counts = report.counts;
    out << "Imported " << counts.imported << ", updated " << counts.updated << ", skipped "
        << counts.skipped << " unchanged, " << counts.duplicates << " duplicate"
        << (counts.duplicates == 1 ? "" : "s") << ", " << counts.failed << " failed";
    if (report.ignored > 0)
        out << " (" << report.ignored << " other file" << (report.ignored == 1 ? "" : "s")
            << " ignored)";
    out << ".\n";
    if (report.cancelled)
        out << "Import cancelled: everything imported so far is kept; run it again to finish.\n";
    if (!report.failures.empty()) {
        out << "Failed:\n";
        for (const catalog::ImportErrorRecord& failure : report.failures)
            out << "  " << failure.path << ": " << failure.reason << "\n";
    }
}

int runImportInto(const fs::path& library, const std::vector<fs::path>& roots, int threads,
                  std::ostream& out, std::ostream& err) {
    catalog::Catalog catalog = catalog::Catalog::open(library);
    services::ImportOptions options;
    options.threads = threads;
    TerminalProgress progress(err);
    services::ImportReport report = services::importFolders(
        catalog, roots, options, [&](const Progress& p) { progress(p); }, &g_interrupt);
    progress.clear();
    printImportReport(report, out);
    out << "Library: " << library.string() << " (" << catalog.itemCount() << " items)\n";
    return report.cancelled ? Interrupted : Success;
}

int importCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.empty())
        throw UsageError("import needs at least one folder");
    std::vector<fs::path> roots(args.positional.begin(), args.positional.end());
    return runImportInto(libraryDir(args), roots, args.intOption("threads", 2, 1, 64), out, err);
}

int listCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (!args.positional.empty())
        throw UsageError("list takes no arguments");
    int limit = args.intOption("limit", 1'000'000'000, 1, 1'000'000'000);
    int offset = args.intOption("offset", 0, 0, 1'000'000'000);
    catalog::Catalog catalog = openExistingLibrary(args);
    constexpr std::int64_t kPage = 1000;
    std::int64_t printed = 0;
    while (printed < limit) {
        auto items = catalog.listItems(offset + printed, std::min<std::int64_t>(kPage, limit - printed));
        for (const catalog::ItemSummary& item : items)
            out << item.id << '\t' << item.displayName << '\t' << item.sourcePath << '\n';
        printed += static_cast<std::int64_t>(items.size());
        if (static_cast<std::int64_t>(items.size()) < kPage)
            break;
    }
    return Success;
}

std::string humanBytes(std::int64_t bytes) {
    std::ostringstream text;
    if (bytes >= (1 << 20))
        text << std::fixed << std::setprecision(1) << bytes / 1048576.0 << " MB";
    else
        text << std::fixed << std::setprecision(1) << bytes / 1024.0 << " KB";
    return text.str();
}

int statsCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (!args.positional.empty())
        throw UsageError("stats takes no arguments");
    fs::path library = libraryDir(args);
    catalog::Catalog catalog = openExistingLibrary(args);
    catalog::CatalogStats stats = catalog.stats();
    out << "Library:      " << library.string() << "\n"
        << "Items:        " << stats.items << "\n"
        << "Files:        " << stats.files << "\n"
        << "Folders:      " << stats.folders << "\n"
        << "Groups:       " << stats.groups << "\n"
        << "Import runs:  " << stats.importRuns << "\n"
        << "Thumbnails:   " << humanBytes(stats.thumbnailBytes) << "\n"
        << "Megapixels:   " << std::fixed << std::setprecision(1) << stats.totalPixels / 1e6 << "\n";
    return Success;
}

int sampleCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (args.positional.size() != 1)
        throw UsageError("sample needs one output folder");
    int count = args.intOption("count", 300, 1, 10000);
    auto files = datasets::exportFashionMnistSample(datasets::defaultFashionMnistDir(),
                                                    args.positional[0], count);
    out << "Wrote " << files.size() << " Fashion-MNIST photos to " << args.positional[0] << "\n";
    return Success;
}

// The built-in default: a demo library with a few hundred Fashion-MNIST product photos.
int demoCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("demo takes no arguments");
    fs::path library = args.library ? *args.library : xdgDataHome() / "lookalike" / "demo";
    fs::path photos = library / "sample-photos";
    int count = args.intOption("count", 300, 1, 10000);
    auto files = datasets::exportFashionMnistSample(datasets::defaultFashionMnistDir(), photos, count);
    out << "Sample catalog: " << files.size() << " Fashion-MNIST product photos in "
        << photos.string() << "\n";
    return runImportInto(library, {photos}, 2, out, err);
}

}  // namespace

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        {"import", "DIR...", "import photos from folders (recursively) into the library",
         {"threads"}, importCommand},
        {"list", "", "print id, name and path of every item", {"limit", "offset"}, listCommand},
        {"stats", "", "summarise the library", {}, statsCommand},
        {"sample", "DIR", "write a sample catalog of Fashion-MNIST photos as PNG files",
         {"count"}, sampleCommand},
        {"demo", "", "import the built-in sample catalog into a demo library", {"count"},
         demoCommand},
        {"eval", "fashion-mnist",
         "train with triplet loss on Fashion-MNIST and report retrieval quality",
         {"epochs", "size", "width", "threads", "mining", "margin", "loss", "lr", "train-limit",
          "test-limit", "log-every"},
         evalCommand},
        {"bench", "train|infer", "time a training step or inference of the default network",
         {"size", "width", "batch", "threads", "iters", "mining"}, benchCommand},
    };
    return all;
}

void printHelp(std::ostream& out) {
    out << "Usage: lookalike-cli [--library DIR] COMMAND [ARGS...]\n\n"
           "Visual product search for small shops.\n\n"
           "Options:\n"
           "  --library DIR   the library folder (default: "
        << catalog::defaultLibraryDir().string()
        << ")\n"
           "  --help          show this help\n"
           "  --version       show the version\n\n"
           "Commands:\n";
    for (const Command& command : commands()) {
        std::string head = command.name + (command.synopsis.empty() ? "" : " " + command.synopsis);
        for (const std::string& option : command.options)
            head += " [--" + option + " N]";
        out << "  " << std::left << std::setw(34) << head << " " << command.summary << "\n";
    }
}

int runCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        Arguments parsed = parseArguments(args);
        if (parsed.version) {
            out << "lookalike-cli " << LOOKALIKE_VERSION << "\n";
            return Success;
        }
        if (parsed.help || parsed.command.empty()) {
            printHelp(parsed.help ? out : err);
            return parsed.help ? Success : Usage;
        }
        auto found = std::find_if(commands().begin(), commands().end(),
                                  [&](const Command& c) { return c.name == parsed.command; });
        if (found == commands().end())
            throw UsageError("unknown command '" + parsed.command + "'");
        for (const auto& [name, value] : parsed.options)
            if (std::find(found->options.begin(), found->options.end(), name) == found->options.end())
                throw UsageError(parsed.command + ": unknown option '--" + name + "'");
        return found->run(parsed, out, err);
    } catch (const UsageError& error) {
        err << "lookalike-cli: " << error.what() << "\nTry 'lookalike-cli --help'.\n";
        return Usage;
    } catch (const Cancelled&) {
        err << "lookalike-cli: cancelled\n";
        return Interrupted;
    } catch (const std::exception& error) {
        err << "lookalike-cli: " << error.what() << "\n";
        return Failure;
    }
}

void installInterruptHandler() {
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
}

}  // namespace lookalike::cli
