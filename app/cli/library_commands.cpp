#include "app/cli/library_commands.h"

#include "app/cli/command_support.h"
#include "app/cli/commands.h"
#include "app/cli/text_formats.h"

#include "core/catalog/model_store.h"
#include "core/services/group_csv_import.h"
#include "core/services/library.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"
#include "core/util/text.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <map>
#include <ostream>
#include <sstream>
#include <unordered_map>

namespace lookalike::cli {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::GroupId;
using catalog::ItemId;
using catalog::ModelId;

namespace {

// --- shared by the commands below ---

std::string plural(std::int64_t count, const std::string& noun) {
    return std::to_string(count) + " " + noun + (count == 1 ? "" : "s");
}

std::string fixed4(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.4f", value);
    return text;
}

enum class Format { Text, Csv, Json };

// --format, among the ones the command offers (the first is the default).
Format parseFormat(const Arguments& args, const std::vector<std::string>& offered) {
    static const std::map<std::string, Format> known = {
        {"text", Format::Text}, {"csv", Format::Csv}, {"json", Format::Json}};
    std::string name = args.option("format").value_or(offered.front());
    if (std::find(offered.begin(), offered.end(), name) == offered.end()) {
        std::string choices;
        for (std::size_t i = 0; i < offered.size(); ++i)
            choices += (i == 0 ? "" : i + 1 == offered.size() ? " or " : ", ") + offered[i];
        throw UsageError("--format expects " + choices + ", not '" + name + "'");
    }
    return known.at(name);
}

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

// "key=value" lines, as models keep their recipe and metrics.
std::map<std::string, std::string> keyValues(const std::string& text) {
    std::map<std::string, std::string> values;
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (auto equals = line.find('='); equals != std::string::npos)
            values[line.substr(0, equals)] = line.substr(equals + 1);
    return values;
}

// Brings the active model's embeddings and index up to date with a progress line. False, after
// saying so on `err`, when Ctrl+C stopped it; what was embedded so far is kept.
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

// "300 items, model 1 (descriptors)"
std::string describeServing(services::Library& library) {
    std::optional<ModelId> active = library.activeModel();
    if (!active)
        return "no model";
    std::optional<catalog::ModelRecord> model = library.models().model(*active);
    std::string kind = model ? std::string(catalog::modelServes(*model)) : "unknown";
    return plural(library.models().embeddingCount(*active), "item") + ", model " + std::to_string(*active) +
           " (" + kind + ")";
}

// --- similar ---

services::SimilarFilter parseFilter(const Arguments& args, Catalog& catalog) {
    const std::optional<std::string> group = args.option("group");
    const std::optional<std::string> folder = args.option("folder");
    const bool ungrouped = args.flag("ungrouped");
    if (int(group.has_value()) + int(folder.has_value()) + int(ungrouped) > 1)
        throw UsageError("similar: give only one of --group, --folder and --ungrouped");
    services::SimilarFilter filter;
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

struct Ranked {
    int rank = 0;
    ItemId item = 0;
    float score = 0.0f;
    std::string path;
    bool missing = false;  // the file is gone (moved or deleted); the item still serves
};

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
                << "\n";
        return;
    case Format::Csv:
        out << "rank,item,score,path\n";
        for (const Ranked& result : results)
            out << result.rank << ',' << result.item << ',' << fixed4(result.score) << ','
                << csvField(result.path) << "\n";
        return;
    case Format::Json:
        out << "[";
        for (std::size_t i = 0; i < results.size(); ++i)
            out << (i == 0 ? "\n  " : ",\n  ") << "{\"rank\": " << results[i].rank
                << ", \"item\": " << results[i].item << ", \"score\": " << fixed4(results[i].score)
                << ", \"path\": " << jsonString(results[i].path)
                << (results[i].missing ? ", \"missing\": true" : "") << "}";
        out << (results.empty() ? "]\n" : "\n]\n");
        return;
    }
}

// --- groups ---

// Group names ignore case in the catalog; spaces around them are never meant.
std::string requireGroupName(const std::string& text) {
    std::string name = trimmed(text);
    if (const std::string problem = catalog::groupNameProblem(name); !problem.empty())
        throw UsageError(problem);
    return name;
}

std::string quotedGroup(const catalog::Group& group) {
    return "'" + group.name + "'";
}

std::vector<ItemId> requireItems(Catalog& catalog, const std::vector<std::string>& texts) {
    if (!texts.empty())
        catalog::requireSomeItems(catalog);
    std::vector<ItemId> items;
    for (const std::string& text : texts) {
        ItemId item = requireItem(catalog, text);
        if (std::find(items.begin(), items.end(), item) == items.end())
            items.push_back(item);
    }
    return items;
}

// Adds items to a group in one transaction; prints who moved or was there already.
void addItemsToGroup(Catalog& catalog, GroupId group, const std::vector<ItemId>& items,
                     const std::string& groupLabel, std::ostream& out, std::int64_t& added) {
    std::vector<std::string> notes;
    for (ItemId item : items) {
        bool alreadyThere = false;
        std::optional<catalog::Group> previous = catalog::putInGroup(catalog, group, item, unixNow(), alreadyThere);
        if (alreadyThere)
            notes.push_back(describeItem(catalog, item) + " is already in " + groupLabel + ".");
        else
            ++added;
        if (previous)
            notes.push_back("Moved " + describeItem(catalog, item) + " from group " + quotedGroup(*previous) +
                            " to " + groupLabel + ".");
    }
    for (const std::string& note : notes)
        out << note << "\n";
}

int groupsList(Catalog& catalog, std::ostream& out) {
    for (const catalog::Group& group : catalog.groups())
        out << group.id << '\t' << group.name << '\t' << group.itemCount << '\n';
    return Success;
}

int groupsCreate(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.empty())
        throw UsageError("groups create needs a name and the items to put in the group");
    const std::string name = requireGroupName(args[0]);
    if (std::optional<catalog::Group> existing = catalog.findGroup(name))
        throw LibraryError("There is already a group " + quotedGroup(*existing) + " (id " + std::to_string(existing->id) +
                           "); add items to it with 'lookalike-cli groups add'.");
    std::vector<ItemId> items = requireItems(catalog, {args.begin() + 1, args.end()});
    catalog::Transaction transaction(catalog.writer());
    const GroupId group = catalog.createGroup(name, unixNow());
    std::ostringstream notes;
    std::int64_t added = 0;
    addItemsToGroup(catalog, group, items, "'" + name + "'", notes, added);
    transaction.commit();
    out << notes.str() << "Created group " << group << " '" << name << "' with " << plural(added, "item") << ".\n";
    return Success;
}

int groupsAdd(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() < 2)
        throw UsageError("groups add needs a group and at least one item");
    const catalog::Group group = requireGroup(catalog, args[0]);
    std::vector<ItemId> items = requireItems(catalog, {args.begin() + 1, args.end()});
    catalog::Transaction transaction(catalog.writer());
    std::ostringstream notes;
    std::int64_t added = 0;
    addItemsToGroup(catalog, group.id, items, quotedGroup(group), notes, added);
    transaction.commit();
    out << notes.str() << "Added " << plural(added, "item") << " to group " << quotedGroup(group) << " (now "
        << plural(catalog.group(group.id)->itemCount, "item") << ").\n";
    return Success;
}

int groupsRemove(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() < 2)
        throw UsageError("groups remove needs a group and at least one item");
    const catalog::Group group = requireGroup(catalog, args[0]);
    std::vector<ItemId> items = requireItems(catalog, {args.begin() + 1, args.end()});
    for (ItemId item : items)
        if (catalog.groupOf(item) != group.id)
            throw LibraryError(describeItem(catalog, item) + " is not in group " + quotedGroup(group) + ".");
    catalog::Transaction transaction(catalog.writer());
    for (ItemId item : items)
        catalog.removeFromGroup(group.id, item);
    transaction.commit();
    out << "Removed " << plural(static_cast<std::int64_t>(items.size()), "item") << " from group "
        << quotedGroup(group) << " (now " << plural(catalog.group(group.id)->itemCount, "item") << ").\n";
    return Success;
}

int groupsRename(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() != 2)
        throw UsageError("groups rename needs a group and its new name");
    const catalog::Group group = requireGroup(catalog, args[0]);
    const std::string name = requireGroupName(args[1]);
    if (std::optional<catalog::Group> other = catalog.findGroup(name); other && other->id != group.id)
        throw LibraryError("There is already a group " + quotedGroup(*other) + " (id " + std::to_string(other->id) + ").");
    catalog.renameGroup(group.id, name);
    out << "Renamed group " << group.id << " " << quotedGroup(group) << " to '" << name << "'.\n";
    return Success;
}

int groupsDelete(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() != 1)
        throw UsageError("groups delete needs one group");
    const catalog::Group group = requireGroup(catalog, args[0]);
    catalog.deleteGroup(group.id);
    out << "Deleted group " << group.id << " " << quotedGroup(group) << "; its "
        << plural(group.itemCount, "item") << " stay in the library, ungrouped.\n";
    return Success;
}

int groupsMerge(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() != 2)
        throw UsageError("groups merge needs the group to keep and the group to merge into it");
    const catalog::Group into = requireGroup(catalog, args[0]);
    const catalog::Group from = requireGroup(catalog, args[1]);
    if (into.id == from.id)
        throw LibraryError("Cannot merge group " + quotedGroup(into) + " into itself.");
    catalog.mergeGroups(into.id, from.id);
    out << "Merged group " << quotedGroup(from) << " into " << quotedGroup(into) << " (now "
        << plural(catalog.group(into.id)->itemCount, "item") << ").\n";
    return Success;
}

int groupsImport(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out) {
    if (args.size() != 1)
        throw UsageError("groups import needs one CSV file with the columns file,group");
    const services::GroupCsvImportReport report = services::importGroupsCsv(catalog, fs::path(args[0]));
    out << "Rows: " << report.rows << ", matched: " << report.matched << ", groups created: " << report.created
        << ", unmatched: " << report.unmatched;
    if (report.skipped > 0)
        out << ", skipped: " << report.skipped;
    out << ".\n";
    if (report.moved > 0)
        out << plural(report.moved, "item") << " moved from another group.\n";
    if (!report.problems.empty()) {
        out << "Not imported:\n";
        for (const std::string& problem : report.problems)
            out << "  " << problem << "\n";
    }
    return Success;
}

// --- models ---

std::string localTime(std::int64_t unixSeconds) {
    std::time_t time = static_cast<std::time_t>(unixSeconds);
    std::tm parts{};
    char text[32] = "-";
    if (::localtime_r(&time, &parts))
        std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &parts);
    return text;
}

int modelsList(services::Library& library, std::ostream& out) {
    std::vector<catalog::ModelRecord> models = library.models().models();
    if (models.empty()) {
        out << "No models yet: importing photos prepares the built-in descriptors.\n";
        return Success;
    }
    const std::optional<ModelId> active = library.activeModel();
    out << "   id  kind               state     created           parent  dimension  recall@1  map@r\n";
    for (const catalog::ModelRecord& model : models) {
        auto metrics = keyValues(model.metrics);
        auto metric = [&](const std::string& key) {
            auto found = metrics.find(key);
            return found == metrics.end() ? std::string("-") : found->second;
        };
        out << (model.id == active ? "*" : " ") << std::right << std::setw(4) << model.id << "  " << std::left
            << std::setw(17) << catalog::modelServes(model) << "  " << std::setw(8)
            << catalog::modelStateName(model.state) << "  " << std::setw(16) << localTime(model.createdAt) << "  "
            << std::setw(6) << (model.parent ? std::to_string(*model.parent) : "-") << "  " << std::setw(9)
            << model.dimension << "  " << std::setw(8) << metric("held_out_recall_at_1") << "  "
            << metric("held_out_map_at_r") << "\n";
    }
    out << std::right;
    return Success;
}

ModelId parseModelId(const std::string& text) {
    if (text.empty() || text.size() > 18 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; }))
        throw UsageError("models use needs a model id (see 'lookalike-cli models list'), not '" + text + "'");
    return std::stoll(text);
}

int modelsUse(services::Library& library, ModelId model, std::ostream& out, std::ostream& err) {
    const std::optional<ModelId> before = library.activeModel();
    TerminalProgress progress(err);
    try {
        library.useModel(model, progress.callback(), &interruptToken());
    } catch (const Cancelled&) {
        progress.clear();
        err << "Interrupted: "
            << (before ? "model " + std::to_string(*before) + " stays active" : "nothing was switched")
            << "; run the command again to finish.\n";
        return Interrupted;
    }
    progress.clear();
    out << "Look-alikes ready: " << describeServing(library) << "\n";
    return Success;
}

}  // namespace

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
    std::vector<services::SimilarItem> found = item ? library->similar(*item, static_cast<std::size_t>(k), filter)
                                                    : library->similar(fs::path(query), static_cast<std::size_t>(k), filter);
    std::vector<Ranked> results;
    for (const services::SimilarItem& match : found) {
        std::optional<catalog::ItemSummary> summary = catalog.item(match.item);
        results.push_back({static_cast<int>(results.size()) + 1, match.item, match.similarity,
                           summary ? summary->sourcePath : std::string(), catalog.filesMissing(match.item)});
    }
    printRanked(results, format, out);
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

int groupsCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (args.positional.empty())
        throw UsageError("groups needs what to do: list, create, import, rename, delete, merge, add or remove");
    const std::string& action = args.positional[0];
    const std::vector<std::string> rest(args.positional.begin() + 1, args.positional.end());
    using Action = int (*)(Catalog&, const std::vector<std::string>&, std::ostream&);
    static const std::map<std::string, Action> actions = {
        {"create", groupsCreate}, {"import", groupsImport}, {"rename", groupsRename}, {"delete", groupsDelete},
        {"merge", groupsMerge},   {"add", groupsAdd},       {"remove", groupsRemove}};
    if (action == "list") {
        if (!rest.empty())
            throw UsageError("groups list takes no arguments");
        Catalog catalog = openExistingLibrary(args);
        return groupsList(catalog, out);
    }
    auto found = actions.find(action);
    if (found == actions.end())
        throw UsageError("unknown groups action '" + action +
                         "' (list, create, import, rename, delete, merge, add or remove)");
    const catalog::LibraryLock lock = lockExistingLibrary(args);
    Catalog catalog = openExistingLibrary(args);
    return found->second(catalog, rest, out);
}

int notSimilarCommand(const Arguments& args, std::ostream& out, std::ostream&) {
    if (args.positional.size() != 2)
        throw UsageError("not-similar needs two items");
    const catalog::LibraryLock lock = lockExistingLibrary(args);
    Catalog catalog = openExistingLibrary(args);
    std::vector<ItemId> items = requireItems(catalog, args.positional);
    if (items.size() != 2)
        throw LibraryError("An item cannot be marked not similar to itself.");
    const std::string a = describeItem(catalog, items[0]);
    const std::string b = describeItem(catalog, items[1]);
    std::vector<ItemId> marked = catalog.notSimilarTo(items[0]);
    if (std::binary_search(marked.begin(), marked.end(), items[1])) {
        out << a << " and " << b << " are already marked as not similar.\n";
        return Success;
    }
    catalog.markNotSimilar(items[0], items[1], unixNow());
    out << "Marked " << a << " and " << b << " as not similar: neither is shown as a look-alike of the other.\n";
    if (std::optional<GroupId> group = catalog.groupOf(items[0]); group && group == catalog.groupOf(items[1]))
        out << "Note: both are in group " << quotedGroup(*catalog.group(*group)) << ".\n";
    return Success;
}

int trainCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("train takes no arguments");
    services::LibraryTrainingOptions options;
    options.epochs = args.doubleOption("epochs", 0.0, 0.01, 1000.0);
    options.fromScratch = args.flag("from-scratch");
    const catalog::LibraryLock lock = lockExistingLibrary(args);
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);

    services::LibraryTrainingReport report;
    {
        TerminalProgress progress(err);
        try {
            report = library->train(options, progress.callback(), &interruptToken());
        } catch (const Cancelled&) {
            progress.clear();
            std::optional<ModelId> active = library->activeModel();
            err << "Training interrupted: nothing was switched"
                << (active ? "; model " + std::to_string(*active) + " stays active" : std::string()) << ".\n";
            return Interrupted;
        }
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", report.trainingSeconds);
    std::string start;
    if (std::optional<catalog::ModelRecord> model = library->models().model(report.model))
        if (auto recipe = keyValues(model->recipe); recipe.contains("start"))
            start = " (" + recipe["start"] + ")";
    if (report.steps > 0)
        out << "Trained model " << report.model << start << ": " << plural(report.steps, "step") << " in " << seconds
            << " s.\n";
    else
        out << "Trained model " << report.model << ": the descriptors tuned to this library (no network steps; group "
            << "photos that belong together and train again to train the network on them too).\n";
    out << "Learned from " << plural(report.curatedGroups, "curated group") << ", "
        << plural(report.instances, "single photo") << " and " << plural(report.notSimilarPairs, "not-similar pair")
        << ".\n";
    if (report.before) {
        out << "Held-out check (" << plural(report.before->groups, "group") << ", "
            << plural(report.before->items, "photo") << "): Recall@1 " << fixed4(report.before->recallAt1);
        if (report.after)
            out << " -> " << fixed4(report.after->recallAt1);
        out << ", MAP@R " << fixed4(report.before->mapAtR);
        if (report.after)
            out << " -> " << fixed4(report.after->mapAtR);
        out << "\n";
    } else {
        out << "Held-out check: skipped (too few groups with 2 or more photos to hold some out).\n";
    }
    const std::string previous = report.previous ? "model " + std::to_string(*report.previous) : "the previous model";
    if (report.model == 0) {
        out << "No model was kept; " << previous << " stays active.\n";
        return Failure;
    }
    if (!report.collapse.empty()) {
        out << "Training collapsed: " << report.collapse << "\n"
            << "Model " << report.model << " was not activated; " << previous << " stays active.\n";
        return Failure;
    }
    if (!report.activated) {
        // Not an error: the new model is kept, but it would have made look-alikes worse.
        out << "Model " << report.model << " scores below " << previous << " on the held-out groups, so "
            << previous << " stays active ('lookalike-cli models use " << report.model << "' switches anyway).\n";
        return Success;
    }
    out << "Model " << report.model << " is now active (" << previous << " is kept; 'lookalike-cli models use "
        << report.previous.value_or(report.model) << "' switches back).\n";
    return Success;
}

int modelsCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.empty())
        throw UsageError("models needs what to do: list, use ID, or export ID FILE");
    const std::string& action = args.positional[0];
    if (action == "list") {
        if (args.positional.size() != 1)
            throw UsageError("models list takes no arguments");
        std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::No);
        return modelsList(*library, out);
    }
    if (action == "use") {
        if (args.positional.size() != 2)
            throw UsageError("models use needs one model id");
        const ModelId model = parseModelId(args.positional[1]);
        const catalog::LibraryLock lock = lockExistingLibrary(args);
        std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::No);
        return modelsUse(*library, model, out, err);
    }
    if (action == "export") {
        if (args.positional.size() != 3)
            throw UsageError("models export needs a model id and an output file");
        const ModelId model = parseModelId(args.positional[1]);
        std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::No);
        std::optional<catalog::ModelRecord> record = library->models().model(model);
        if (!record)
            throw LibraryError("There is no model " + std::to_string(model) + ".");
        if (record->kind != catalog::ModelKind::Network)
            throw LibraryError("Model " + std::to_string(model) + " has no network weights to export.");
        std::vector<std::uint8_t> weights = library->models().weights(model);
        writeFileAtomically(args.positional[2], weights);
        out << "Wrote the weights of model " << model << " (" << weights.size() << " bytes) to " << args.positional[2]
            << "\n";
        return Success;
    }
    throw UsageError("unknown models action '" + action + "' (list, use or export)");
}

}  // namespace lookalike::cli
