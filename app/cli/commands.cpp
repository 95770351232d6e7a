#include "app/cli/commands.h"

#include "app/cli/command_support.h"
#include "app/cli/duplicate_commands.h"
#include "app/cli/engine_commands.h"
#include "app/cli/group_commands.h"
#include "app/cli/product_commands.h"
#include "app/cli/library_commands.h"
#include "app/cli/model_commands.h"

#include "core/catalog/catalog.h"
#include "core/catalog/library_copy.h"
#include "core/datasets/fashion_mnist.h"
#include "core/datasets/sample_catalog.h"
#include "core/services/group_csv_import.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/text_formats.h"

#include <algorithm>
#include <iomanip>
#include <iostream>
#include <sstream>

namespace lookalike::cli {

namespace fs = std::filesystem;

namespace {

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

// Imports, then embeds and indexes what is new so that look-alikes are ready. The caller holds
// the library's lock.
int runImportInto(services::Library& library, const std::vector<fs::path>& roots,
                  int threads, std::ostream& out, std::ostream& err) {
    services::ImportOptions options;
    options.threads = threads;
    services::ImportReport report;
    {
        TerminalProgress progress(err);
        report = services::importFolders(library.catalog(), roots, options, progress.callback(),
                                         &interruptToken());
    }
    printImportReport(report, out);
    out << "Library: " << library.catalog().location().display() << " (" << library.catalog().itemCount() << " items)\n";
    if (report.cancelled)
        return Interrupted;
    out << std::flush;
    return prepareLookalikes(library, out, err);
}

int importCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.empty())
        throw UsageError("import needs at least one folder");
    std::vector<fs::path> roots(args.positional.begin(), args.positional.end());
    const int threads = args.intOption("threads", 2, 1, 64);
    const catalog::LibraryLocation location = libraryLocation(args);
    const catalog::LibraryLock lock = lockLibrary(location);
    std::unique_ptr<services::Library> library = services::Library::open(location, libraryOptions());
    return runImportInto(*library, roots, threads, out, err);
}

int listCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (!args.positional.empty())
        throw UsageError("list takes no arguments");
    int limit = args.intOption("limit", 1'000'000'000, 1, 1'000'000'000);
    int offset = args.intOption("offset", 0, 0, 1'000'000'000);
    catalog::Catalog catalog = openExistingLibrary(args);
    const auto print = [&](const catalog::ItemSummary& item) {
        out << item.id << '\t' << oneLine(item.displayName) << '\t' << oneLine(item.sourcePath) << '\n';
    };
    if (args.flag("missing")) {
        // Items whose files were moved or deleted: still in the library, with look-alikes.
        const std::vector<catalog::ItemId> missing = catalog.itemsWithMissingFiles();
        for (std::size_t i = static_cast<std::size_t>(offset); i < missing.size() && i < static_cast<std::size_t>(offset) + static_cast<std::size_t>(limit); ++i)
            if (std::optional<catalog::ItemSummary> item = catalog.item(missing[i]))
                print(*item);
        return Success;
    }
    constexpr std::int64_t kPage = 1000;
    std::int64_t printed = 0;
    while (printed < limit) {
        auto items = catalog.listItems(offset + printed, std::min<std::int64_t>(kPage, limit - printed));
        for (const catalog::ItemSummary& item : items)
            print(item);
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
    catalog::Catalog catalog = openExistingLibrary(args);
    catalog::CatalogStats stats = catalog.stats();
    out << "Library:      " << catalog.location().display() << "\n"
        << "Items:        " << stats.items << "\n"
        << "Files:        " << stats.files << "\n"
        << "Folders:      " << stats.folders << "\n"
        << "Groups:       " << stats.groups << "\n"
        << "Import runs:  " << stats.importRuns << "\n"
        << "Thumbnails:   " << humanBytes(stats.thumbnailBytes) << "\n"
        << "Megapixels:   " << std::fixed << std::setprecision(1) << stats.totalPixels / 1e6 << "\n";
    return Success;
}

// migrate FROM TO: a library copied whole into an empty one on the other backend (or the same),
// then verified. Both are locked: nobody changes FROM while it is read, nor TO while written.
int migrateCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.size() != 2)
        throw UsageError("migrate needs FROM and TO: two library folders or postgresql:// URIs");
    std::vector<catalog::LibraryLocation> locations;
    for (const std::string& text : args.positional) {
        locations.push_back(catalog::LibraryLocation::parse(text));
        if (const std::string problem = locations.back().problem(); !problem.empty())
            throw UsageError(text + ": " + problem);
    }
    const catalog::LibraryLocation& from = locations[0];
    const catalog::LibraryLocation& to = locations[1];
    if (!from.isServer() && !fs::exists(catalog::catalogPath(from.folder())))
        throw LibraryError("No library at " + from.display());
    if (from.display() == to.display())
        throw UsageError("migrate: FROM and TO are the same library");
    const catalog::LibraryLock fromLock = lockLibrary(from);
    const catalog::LibraryLock toLock = lockLibrary(to);
    catalog::Catalog source = catalog::Catalog::open(from);
    catalog::Catalog target = catalog::Catalog::open(to);
    out << "Copying " << source.location().display() << " into " << target.location().display() << "\n";
    {
        TerminalProgress progress(err);
        catalog::copyLibrary(source, target, progress.callback(), &interruptToken());
    }
    const catalog::LibraryDigest before = catalog::digestLibrary(source);
    const catalog::LibraryDigest after = catalog::digestLibrary(target);
    for (std::size_t i = 0; i < before.counts.size(); ++i)
        out << "  " << std::left << std::setw(14) << before.counts[i].table << std::right << std::setw(10)
            << before.counts[i].rows << (after.counts[i].rows == before.counts[i].rows ? "" : "  MISMATCH") << "\n";
    out << "  weights       sha256 " << before.weights << (after.weights == before.weights ? "" : "  MISMATCH") << "\n"
        << "  embeddings    sha256 " << before.embeddings << (after.embeddings == before.embeddings ? "" : "  MISMATCH")
        << "\n";
    if (!(before == after)) {
        err << "lookalike-cli: the copy does not match its source (see MISMATCH above)\n";
        return Failure;
    }
    out << "Verified: the copy matches, row for row. Its search index is built on first use.\n";
    return Success;
}

int sampleCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (args.positional.size() != 1)
        throw UsageError("sample needs one output folder");
    const std::string split = args.option("split").value_or("test");
    if (split != "test" && split != "train")
        throw UsageError("--split must be test or train, not '" + split + "'");
    // The whole split at most: 10,000 test photos, 60,000 training photos.
    const int count = args.intOption("count", 300, 1, split == "train" ? 60000 : 10000);
    auto files = datasets::exportFashionMnistSample(datasets::defaultFashionMnistDir(), args.positional[0], count,
                                                    split == "train" ? datasets::Split::Train : datasets::Split::Test);
    out << "Wrote " << files.size() << " Fashion-MNIST photos to " << args.positional[0] << "\n";
    return Success;
}

// The built-in default: a demo library made of the sample catalog that ships with Lookalike,
// walked through the whole loop: import, look-alikes without labels, half of the sample curated
// from its groups CSV, training, and the look-alikes under the trained model. The photos are
// imported where they are installed; the library keeps its own thumbnails. A demo library that
// already has its photos is only brought up to date.
int demoCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("demo takes no arguments");
    services::LibraryTrainingOptions training;
    training.epochs = args.doubleOption("epochs", 0.0, 0.01, 1000.0);
    const catalog::LibraryLocation libraryPath =
        args.library ? libraryLocation(args) : catalog::LibraryLocation(xdgDataHome() / "lookalike" / "demo");
    const catalog::LibraryLock lock = lockLibrary(libraryPath);
    fs::path photos = datasets::sampleCatalogDir();
    out << "Sample catalog: " << photos.string() << "\n";
    std::unique_ptr<services::Library> library = services::Library::open(libraryPath, libraryOptions());
    const bool fresh = library->catalog().itemCount() == 0;
    if (int code = runImportInto(*library, {photos}, 2, out, err); code != Success || !fresh)
        return code;
    const fs::path groups = datasets::sampleGroupsCsv();
    if (groups.empty())
        return Success;  // a sample catalog of one's own (LOOKALIKE_SAMPLE_CATALOG): nothing to curate

    catalog::Catalog& catalog = library->catalog();
    const catalog::ItemId shown = catalog.itemIds().front();
    const std::string shownPath = catalog.item(shown)->sourcePath;
    constexpr std::size_t kShown = 5;
    out << "\nLook-alikes of " << shownPath << ", before any labels:\n";
    printLookalikes(catalog, library->similar(shown, kShown), out);
    out << "\nCurating half of the sample from " << groups.string() << ":\n";
    printGroupImport(services::importGroupsCsv(catalog, groups), out);
    out << "\nTraining on the photos and the groups:\n" << std::flush;
    if (int code = trainAndReport(*library, training, out, err); code != Success)
        return code;
    // Kept whether or not it was switched to: the comparison shows what it learned.
    if (const catalog::ModelRecord trained = library->models().models().back(); trained.state == catalog::ModelState::Ready) {
        out << "\nLook-alikes of " << shownPath << " under the trained model " << trained.id << ":\n";
        printLookalikes(catalog, library->similarUnder(trained.id, shown, kShown), out);
    }
    return Success;
}

}  // namespace

const std::vector<Command>& commands() {
    static const std::vector<Command> all = {
        {"import", "DIR...", "import photos from folders (recursively) into the library",
         {"threads"}, importCommand},
        {"list", "", "print id, name and path of every item (--missing: only those whose file is gone)",
         {"limit", "offset"}, listCommand, {"missing"}},
        {"stats", "", "summarise the library", {}, statsCommand},
        {"migrate", "FROM TO", "copy a library into an empty one (a folder or a postgresql:// database) and verify it",
         {}, migrateCommand},
        {"sample", "DIR", "write a sample catalog of Fashion-MNIST photos as PNG files",
         {"count", "split train|test"}, sampleCommand},
        {"demo", "", "the whole loop on the built-in sample catalog: import, look-alikes, groups, training",
         {"epochs"}, demoCommand},
        {"similar", "ITEM|PHOTO",
         "the items that look most like an item or a photo file; --region: like a part of its photo, as "
         "fractions (0 to 1) of the photo's width and height",
         {"k", "format text|csv|json", "group GROUP", "folder DIR", "region LEFT,TOP,WIDTH,HEIGHT"}, similarCommand,
         {"ungrouped", "photos"}},
        {"neighbors", "", "CSV of every item's look-alikes (query,rank,result,score)",
         {"k", "format csv"}, neighborsCommand},
        {"duplicates", "", "near-duplicate photos (re-compressed, resized, slightly cropped copies): pairs and clusters",
         {"method phash|dhash|embedding|combined", "threshold X", "format text|csv|json"}, duplicatesCommand},
        {"export-embeddings", "", "CSV of every item's vector from the active model (path,v0,...)",
         {"format csv"}, exportEmbeddingsCommand},
        {"export-related", "", "each product's look-alike products by SKU, for a web shop (sku,related_skus or JSON)",
         {"k", "min-score", "format csv|json"}, exportRelatedCommand},
        {"products", "import FILE.csv|list", "the shop's product data: SKU, name, price, url per photo (see README)",
         {}, productsCommand},
        {"groups", "list|create|import|rename|delete|merge|add|remove ...",
         "curate groups of items that belong together (see README)", {}, groupsCommand},
        {"not-similar", "ITEM ITEM", "mark two items as not look-alikes of each other", {},
         notSimilarCommand},
        {"train", "", "train a model on the library's photos, groups and marks and switch to it",
         {"epochs", "network pretrained|resnet"}, trainCommand, {"from-scratch"}},
        {"models", "list|use ID|export ID FILE", "list the library's models, switch to one, or export its weights", {}, modelsCommand},
        {"eval", "fashion-mnist",
         "train with triplet loss on Fashion-MNIST and report retrieval quality",
         {"epochs", "size", "width", "threads", "mining", "margin", "loss", "lr", "train-limit",
          "test-limit", "crop-min", "jitter", "erasing", "k", "weight-decay", "hard-from", "seed", "log-every"},
         evalCommand},
        {"bench", "train|infer", "time a training step or inference of the default network (or --architecture)",
         {"size", "width", "architecture CONFIG", "frozen-blocks", "batch", "threads", "iters", "mining",
          "write-network FILE"},
         benchCommand},
    };
    return all;
}

namespace {

const Command* findCommand(std::string_view name) {
    for (const Command& command : commands())
        if (command.name == name)
            return &command;
    return nullptr;
}

// "format text|csv" -> "format"
std::string_view optionName(std::string_view option) {
    return option.substr(0, option.find(' '));
}

// "format text|csv" -> "text|csv"; "k" -> "N"
std::string_view optionValueName(std::string_view option) {
    std::size_t space = option.find(' ');
    return space == std::string_view::npos ? "N" : option.substr(space + 1);
}

}  // namespace

void printHelp(std::ostream& out) {
    out << "Usage: lookalike-cli [--library DIR|URI] COMMAND [ARGS...]\n\n"
           "Visual product search for small shops.\n\n"
           "Options:\n"
           "  --library DIR   the library folder (default: "
        << catalog::defaultLibraryDir().string()
        << ")\n"
           "  --library URI   a library shared on a PostgreSQL server, e.g.\n"
           "                  postgresql:///lookalike?host=/run/postgresql&user=shop\n"
           "  --help          show this help\n"
           "  --version       show the version\n\n"
           "Commands:\n";
    for (const Command& command : commands()) {
        std::string head = command.name + (command.synopsis.empty() ? "" : " " + command.synopsis);
        for (const std::string& option : command.options)
            head += " [--" + std::string(optionName(option)) + " " + std::string(optionValueName(option)) + "]";
        for (const std::string& flag : command.flags)
            head += " [--" + flag + "]";
        constexpr std::size_t kColumn = 34;
        if (head.size() > kColumn)  // a long synopsis gets a line of its own
            out << "  " << head << "\n" << std::string(kColumn + 3, ' ') << command.summary << "\n";
        else
            out << "  " << std::left << std::setw(kColumn) << head << " " << command.summary << "\n";
    }
}

int runCommandLine(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    try {
        Arguments parsed = parseArguments(args, [](std::string_view command, std::string_view name) {
            const Command* found = findCommand(command);
            return found && std::find(found->flags.begin(), found->flags.end(), name) != found->flags.end();
        });
        if (parsed.version) {
            out << "lookalike-cli " << LOOKALIKE_VERSION << "\n";
            return Success;
        }
        if (parsed.help || parsed.command.empty()) {
            printHelp(parsed.help ? out : err);
            return parsed.help ? Success : Usage;
        }
        const Command* found = findCommand(parsed.command);
        if (!found)
            throw UsageError("unknown command '" + parsed.command + "'");
        for (const auto& option : parsed.options) {
            // Not a structured binding: clang before 16 cannot capture one in a lambda.
            const std::string& name = option.first;
            if (std::none_of(found->options.begin(), found->options.end(),
                             [&](const std::string& offered) { return optionName(offered) == name; }))
                throw UsageError(parsed.command + ": unknown option '--" + name + "'");
        }
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

}  // namespace lookalike::cli
