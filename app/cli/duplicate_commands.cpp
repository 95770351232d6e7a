#include "app/cli/duplicate_commands.h"

#include "app/cli/command_support.h"
#include "app/cli/commands.h"

#include "core/services/near_duplicates.h"
#include "core/util/text_formats.h"

#include <iomanip>
#include <ostream>
#include <unordered_map>

namespace lookalike::cli {

using catalog::ItemId;
using services::DuplicateMethod;
using services::DuplicatePair;
using services::NearDuplicateReport;

namespace {

DuplicateMethod parseMethod(const Arguments& args) {
    const std::string name = args.option("method").value_or(std::string(duplicateMethodName(services::kDefaultDuplicateMethod)));
    if (std::optional<DuplicateMethod> method = services::parseDuplicateMethod(name))
        return *method;
    throw UsageError("--method expects phash, dhash, embedding or combined, not '" + name + "'");
}

// Which cluster (1-based, in the report's order) each item is in.
std::unordered_map<ItemId, std::size_t> clusterNumbers(const NearDuplicateReport& report) {
    std::unordered_map<ItemId, std::size_t> numbers;
    for (std::size_t i = 0; i < report.clusters.size(); ++i)
        for (ItemId item : report.clusters[i])
            numbers[item] = i + 1;
    return numbers;
}

void printText(const NearDuplicateReport& report, const std::unordered_map<ItemId, std::string>& paths, std::ostream& out) {
    out << "Near-duplicates among " << plural(report.items, "item") << " (" << duplicateMethodName(report.method)
        << ", threshold " << fixed4(report.threshold) << "): " << plural(static_cast<std::int64_t>(report.pairs.size()), "pair")
        << " in " << plural(static_cast<std::int64_t>(report.clusters.size()), "cluster") << ".\n";
    if (report.unreadable > 0)
        out << "Skipped " << plural(report.unreadable, "item") << " whose thumbnail could not be read.\n";
    if (report.pairs.empty())
        return;
    out << "\nPairs:\n score    item    item  paths\n";
    for (const DuplicatePair& pair : report.pairs)
        out << fixed4(pair.score) << std::setw(8) << pair.first << std::setw(8) << pair.second << "  "
            << oneLine(paths.at(pair.first)) << "  " << oneLine(paths.at(pair.second)) << "\n";
    out << "\nClusters:\n";
    for (std::size_t i = 0; i < report.clusters.size(); ++i) {
        out << "Cluster " << i + 1 << " (" << plural(static_cast<std::int64_t>(report.clusters[i].size()), "item") << "):\n";
        for (ItemId item : report.clusters[i])
            out << std::setw(8) << item << "  " << oneLine(paths.at(item)) << "\n";
    }
}

// One row per pair with its cluster: the clusters are the rows' cluster column.
void printCsv(const NearDuplicateReport& report, const std::unordered_map<ItemId, std::string>& paths, std::ostream& out) {
    const std::unordered_map<ItemId, std::size_t> clusters = clusterNumbers(report);
    out << "cluster,first,second,score,first_path,second_path\n";
    for (const DuplicatePair& pair : report.pairs)
        out << clusters.at(pair.first) << ',' << pair.first << ',' << pair.second << ',' << fixed4(pair.score) << ','
            << csvField(paths.at(pair.first)) << ',' << csvField(paths.at(pair.second)) << "\n";
}

void printJson(const NearDuplicateReport& report, const std::unordered_map<ItemId, std::string>& paths, std::ostream& out) {
    out << "{\n  \"method\": " << jsonString(duplicateMethodName(report.method)) << ",\n  \"threshold\": "
        << fixed4(report.threshold) << ",\n  \"items\": " << report.items << ",\n  \"pairs\": [";
    for (std::size_t i = 0; i < report.pairs.size(); ++i) {
        const DuplicatePair& pair = report.pairs[i];
        out << (i == 0 ? "\n    " : ",\n    ") << "{\"first\": " << pair.first << ", \"second\": " << pair.second
            << ", \"score\": " << fixed4(pair.score) << ", \"first_path\": " << jsonString(paths.at(pair.first))
            << ", \"second_path\": " << jsonString(paths.at(pair.second)) << "}";
    }
    out << (report.pairs.empty() ? "],\n" : "\n  ],\n") << "  \"clusters\": [";
    for (std::size_t i = 0; i < report.clusters.size(); ++i) {
        out << (i == 0 ? "\n    " : ",\n    ") << "{\"items\": [";
        for (std::size_t k = 0; k < report.clusters[i].size(); ++k)
            out << (k == 0 ? "" : ", ") << report.clusters[i][k];
        out << "], \"paths\": [";
        for (std::size_t k = 0; k < report.clusters[i].size(); ++k)
            out << (k == 0 ? "" : ", ") << jsonString(paths.at(report.clusters[i][k]));
        out << "]}";
    }
    out << (report.clusters.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

}  // namespace

int duplicatesCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("duplicates takes no arguments");
    const OutputFormat format = parseFormat(args, {"text", "csv", "json"});
    services::NearDuplicateOptions options;
    options.method = parseMethod(args);
    if (args.option("threshold"))
        options.threshold = args.doubleOption("threshold", 0.0, options.method == DuplicateMethod::DctHash ||
                                                                        options.method == DuplicateMethod::DifferenceHash
                                                                    ? 0.0
                                                                    : -1.0,
                                              1.0);
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);
    // The cosine methods need the active model's vectors: brought up to date first, as
    // `similar` does, so that Ctrl+C there keeps what was embedded.
    if (options.method != DuplicateMethod::DctHash && options.method != DuplicateMethod::DifferenceHash &&
        !refreshLookalikes(*library, err))
        return Interrupted;
    NearDuplicateReport report;
    {
        TerminalProgress progress(err);
        report = services::findNearDuplicates(*library, options, progress.callback(), &interruptToken());
    }
    std::unordered_map<ItemId, std::string> paths;
    for (const std::vector<ItemId>& cluster : report.clusters)
        for (ItemId item : cluster)
            if (std::optional<catalog::ItemSummary> summary = library->catalog().item(item))
                paths.emplace(item, summary->sourcePath);
    switch (format) {
    case OutputFormat::Text: printText(report, paths, out); break;
    case OutputFormat::Csv: printCsv(report, paths, out); break;
    case OutputFormat::Json: printJson(report, paths, out); break;
    }
    return Success;
}

}  // namespace lookalike::cli
