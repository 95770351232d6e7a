#include "app/cli/group_commands.h"

#include "app/cli/command_support.h"
#include "app/cli/commands.h"

#include "core/services/group_csv_import.h"
#include "core/util/errors.h"
#include "core/util/text.h"

#include <algorithm>
#include <map>
#include <ostream>
#include <sstream>

namespace lookalike::cli {

namespace fs = std::filesystem;
using catalog::Catalog;
using catalog::GroupId;
using catalog::ItemId;

namespace {

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

int groupsCreate(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
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

int groupsAdd(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
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

int groupsRemove(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
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

int groupsRename(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
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

int groupsDelete(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
    if (args.size() != 1)
        throw UsageError("groups delete needs one group");
    const catalog::Group group = requireGroup(catalog, args[0]);
    catalog.deleteGroup(group.id);
    out << "Deleted group " << group.id << " " << quotedGroup(group) << "; its "
        << plural(group.itemCount, "item") << " stay in the library, ungrouped.\n";
    return Success;
}

int groupsMerge(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
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

// Progress on the terminal; Ctrl+C rolls the whole import back.
int groupsImport(Catalog& catalog, const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
    if (args.size() != 1)
        throw UsageError("groups import needs one CSV file with the columns file,group");
    TerminalProgress progress(err);
    services::GroupCsvImportReport report;
    try {
        report = services::importGroupsCsv(catalog, fs::path(args[0]), progress.callback(), &interruptToken());
    } catch (const Cancelled&) {
        progress.clear();
        err << "Interrupted; no group was changed.\n";
        return Interrupted;
    }
    progress.clear();
    printGroupImport(report, out);
    return Success;
}

}  // namespace

int groupsCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (args.positional.empty())
        throw UsageError("groups needs what to do: list, create, import, rename, delete, merge, add or remove");
    const std::string& action = args.positional[0];
    const std::vector<std::string> rest(args.positional.begin() + 1, args.positional.end());
    using Action = int (*)(Catalog&, const std::vector<std::string>&, std::ostream& out, std::ostream& err);
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
    return found->second(catalog, rest, out, err);
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

void printGroupImport(const services::GroupCsvImportReport& report, std::ostream& out) {
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
}

}  // namespace lookalike::cli
