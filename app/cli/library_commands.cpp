#include "app/cli/library_commands.h"

#include "app/cli/command_support.h"
#include "app/cli/commands.h"
#include "core/util/text_formats.h"

#include "core/catalog/model_store.h"
#include "core/services/library.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <charconv>
#include <iomanip>
#include <map>
#include <ostream>
#include <stdexcept>
#include <unordered_map>

namespace lookalike::cli {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::ItemId;
using catalog::ModelId;

namespace {

using Format = OutputFormat;

// Every item's source path, read once for commands that print many of them.
std::unordered_map<ItemId, std::string> sourcePaths(Catalog& catalog) {
    std::unordered_map<ItemId, std::string> paths;
    constexpr std::int64_t kPage = 1000;
    for (std::int64_t offset = 0;; offset += kPage) {
        std::vector<catalog::ItemSummary> page = catalog.listItems(offset, kPage);
        for (const catalog::ItemSummary& item : page)
            paths.emplace(item.id, item.sourcePath);
        if (static_cast<std::int64_t>(page.size()) < kPage)
            return paths;
    }
}

services::SimilarFilter parseFilter(const Arguments& args, Catalog& catalog) {
    const std::optional<std::string> group = args.option("group");
    const std::optional<std::string> folder = args.option("folder");
    const bool ungrouped = args.flag("ungrouped");
    if (int(group.has_value()) + int(folder.has_value()) + int(ungrouped) > 1)
        throw UsageError("similar: give only one of --group, --folder and --ungrouped");
    services::SimilarFilter filter;
    filter.eachProductOnce = !args.flag("photos");
    if (group) {
        filter.scope = services::SimilarFilter::Scope::Group;
        filter.group = requireGroup(catalog, *group).id;
    } else if (folder) {
        if (folder->empty())
            throw UsageError("--folder needs a folder");
        filter.scope = services::SimilarFilter::Scope::Folder;
        std::error_code error;
        fs::path absolute = fs::absolute(*folder, error).lexically_normal();
        filter.folder = displayPath(error ? fs::path(*folder) : absolute);
        if (catalog.itemsInFolder(filter.folder).empty())
            throw LibraryError("No item of this library was imported from inside " + filter.folder + ".");
    } else if (ungrouped) {
        filter.scope = services::SimilarFilter::Scope::Ungrouped;
    }
    return filter;
}

// --region LEFT,TOP,WIDTH,HEIGHT: fractions of the photo's width and height (0 to 1).
std::optional<services::PhotoRegion> parseRegion(const Arguments& args) {
    const std::optional<std::string> text = args.option("region");
    if (!text)
        return std::nullopt;
    double values[4] = {};
    const char* next = text->data();
    const char* end = text->data() + text->size();
    for (int i = 0; i < 4; ++i) {
        auto [stop, error] = std::from_chars(next, end, values[i]);
        const bool lastExpected = i == 3;
        if (error != std::errc() || (lastExpected ? stop != end : stop == end || *stop != ','))
            throw UsageError("--region expects LEFT,TOP,WIDTH,HEIGHT as fractions of the photo's width and height "
                             "(0 to 1; 0.5,0,0.5,1 is the right half), not '" + *text + "'");
        next = stop + 1;
    }
    const services::PhotoRegion region{values[0], values[1], values[2], values[3]};
    try {
        imaging::clipToPhoto(region);
    } catch (const std::invalid_argument& error) {
        throw UsageError(std::string("--region: ") + error.what());
    }
    return region;
}

struct Ranked {
    int rank = 0;
    ItemId item = 0;
    float score = 0.0f;
    std::string path;
    bool missing = false;  // the file is gone (moved or deleted); the item still serves
    std::string sku;       // its product's, when it has one
};

std::vector<Ranked> rankedResults(Catalog& catalog, const std::vector<services::SimilarItem>& found) {
    std::vector<Ranked> results;
    for (const services::SimilarItem& match : found) {
        std::optional<catalog::ItemSummary> summary = catalog.item(match.item);
        std::optional<catalog::Product> product = catalog.productOf(match.item);
        results.push_back({static_cast<int>(results.size()) + 1, match.item, match.similarity,
                           summary ? summary->sourcePath : std::string(), catalog.filesMissing(match.item),
                           product ? product->sku : std::string()});
    }
    return results;
}

void printRanked(const std::vector<Ranked>& results, Format format, std::ostream& out) {
    switch (format) {
    case Format::Text:
        if (results.empty()) {
            out << "No look-alikes found.\n";
            return;
        }
        out << "rank    item   score  path\n";
        for (const Ranked& result : results)
            out << std::right << std::setw(4) << result.rank << std::setw(8) << result.item << "  "
                << fixed4(result.score) << "  " << oneLine(result.path) << (result.missing ? "  (file missing)" : "")
                << (result.sku.empty() ? "" : "  SKU " + oneLine(result.sku)) << "\n";
        return;
    case Format::Csv:
        out << "rank,item,score,path,sku\n";
        for (const Ranked& result : results)
            out << result.rank << ',' << result.item << ',' << fixed4(result.score) << ','
                << csvField(result.path) << ',' << csvField(result.sku) << "\n";
        return;
    case Format::Json:
        out << "[";
        for (std::size_t i = 0; i < results.size(); ++i)
            out << (i == 0 ? "\n  " : ",\n  ") << "{\"rank\": " << results[i].rank
                << ", \"item\": " << results[i].item << ", \"score\": " << fixed4(results[i].score)
                << ", \"path\": " << jsonString(results[i].path)
                << (results[i].missing ? ", \"missing\": true" : "")
                << (results[i].sku.empty() ? "" : ", \"sku\": " + jsonString(results[i].sku)) << "}";
        out << (results.empty() ? "]\n" : "\n]\n");
        return;
    }
}

}  // namespace

void printLookalikes(catalog::Catalog& catalog, const std::vector<services::SimilarItem>& found, std::ostream& out) {
    printRanked(rankedResults(catalog, found), Format::Text, out);
}

int prepareLookalikes(services::Library& library, std::ostream& out, std::ostream& err) {
    if (!refreshLookalikes(library, err))
        return Interrupted;
    out << "Look-alikes ready: " << describeServing(library) << "\n";
    return Success;
}

int similarCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.size() != 1)
        throw UsageError("similar needs one item (an id or a path) or a photo file");
    const int k = args.intOption("k", 10, 1, 100000);
    const Format format = parseFormat(args, {"text", "csv", "json"});
    const std::optional<services::PhotoRegion> region = parseRegion(args);
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);
    Catalog& catalog = library->catalog();
    const std::string& query = args.positional[0];
    const std::optional<ItemId> item = findItem(catalog, query);
    std::error_code error;
    if (!item && !fs::is_regular_file(query, error))
        throw LibraryError(query + ": no such item or file");
    const services::SimilarFilter filter = parseFilter(args, catalog);
    if (!refreshLookalikes(*library, err))
        return Interrupted;
    const auto count = static_cast<std::size_t>(k);
    std::vector<services::SimilarItem> found;
    if (region) {
        try {
            found = item ? library->similarToRegion(*item, *region, count, filter)
                         : library->similarToRegion(fs::path(query), *region, count, filter);
        } catch (const std::invalid_argument& error) {  // too small for this photo
            throw UsageError(std::string("--region: ") + error.what());
        }
    } else {
        found = item ? library->similar(*item, count, filter) : library->similar(fs::path(query), count, filter);
    }
    printRanked(rankedResults(catalog, found), format, out);
    return Success;
}

int neighborsCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("neighbors takes no arguments");
    const int k = args.intOption("k", 10, 1, 100000);
    parseFormat(args, {"csv"});
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);
    if (!refreshLookalikes(*library, err))
        return Interrupted;
    Catalog& catalog = library->catalog();
    const std::unordered_map<ItemId, std::string> paths = sourcePaths(catalog);
    const std::vector<ItemId> items = catalog.itemIds();
    std::int64_t unusable = 0;
    TerminalProgress progress(err);
    out << "query,rank,result,score\n";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (interruptToken().isCancelled()) {
            progress.clear();
            out << std::flush;
            err << "Interrupted after the look-alikes of " << i << " of " << plural(static_cast<std::int64_t>(items.size()), "item")
                << ".\n";
            return Interrupted;
        }
        progress({static_cast<std::int64_t>(i), static_cast<std::int64_t>(items.size()), "neighbors"});
        if (!library->embedding(items[i])) {
            ++unusable;  // no usable thumbnail: it has no vector to compare
            continue;
        }
        const std::string query = csvField(paths.at(items[i]));
        int rank = 0;
        for (const services::SimilarItem& match : library->similar(items[i], static_cast<std::size_t>(k)))
            out << query << ',' << ++rank << ',' << csvField(paths.at(match.item)) << ',' << fixed4(match.similarity)
                << '\n';
    }
    progress.clear();
    if (unusable > 0)
        err << "Skipped " << plural(unusable, "item") << " without a usable thumbnail.\n";
    return Success;
}

int exportEmbeddingsCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("export-embeddings takes no arguments");
    parseFormat(args, {"csv"});
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);
    if (!refreshLookalikes(*library, err))
        return Interrupted;
    const ModelId model = library->activeModel().value();
    const catalog::EmbeddingSet set = library->models().embeddings(model);
    const std::size_t dimension = set.ids.empty() ? 0 : set.vectors.size() / set.ids.size();
    std::unordered_map<ItemId, std::size_t> rowOf;
    for (std::size_t row = 0; row < set.ids.size(); ++row)
        rowOf[set.ids[row]] = row;
    const std::unordered_map<ItemId, std::string> paths = sourcePaths(library->catalog());

    out << "path";
    for (std::size_t d = 0; d < dimension; ++d)
        out << ",v" << d;
    out << "\n";
    std::int64_t unusable = 0;
    for (ItemId item : library->catalog().itemIds()) {
        auto found = rowOf.find(item);
        if (found == rowOf.end()) {
            ++unusable;
            continue;
        }
        out << csvField(paths.at(item));
        const float* vector = set.vectors.data() + found->second * dimension;
        for (std::size_t d = 0; d < dimension; ++d)
            out << ',' << exactFloat(vector[d]);
        out << '\n';
    }
    if (unusable > 0)
        err << "Skipped " << plural(unusable, "item") << " without a usable thumbnail.\n";
    return Success;
}

}  // namespace lookalike::cli
