#include "app/cli/model_commands.h"

#include "app/cli/command_support.h"
#include "app/cli/commands.h"
#include "core/util/text_formats.h"

#include "core/catalog/model_store.h"
#include "core/services/key_values.h"
#include "core/services/library.h"
#include "core/util/errors.h"
#include "core/util/file_util.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <ostream>

namespace lookalike::cli {

using catalog::ModelId;

namespace {

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
    out << "   id  kind               backbone                state     created           parent  dimension  recall@1  map@r\n";
    for (const catalog::ModelRecord& model : models) {
        auto metrics = services::parseKeyValues(model.metrics);
        auto metric = [&](const std::string& key) {
            auto found = metrics.find(key);
            return found == metrics.end() ? std::string("-") : found->second;
        };
        out << (model.id == active ? "*" : " ") << std::right << std::setw(4) << model.id << "  " << std::left
            << std::setw(17) << catalog::modelServes(model) << "  " << std::setw(22) << catalog::modelBackbone(model)
            << "  " << std::setw(8)
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

int trainCommand(const Arguments& args, std::ostream& out, std::ostream& err) {
    if (!args.positional.empty())
        throw UsageError("train takes no arguments");
    services::LibraryTrainingOptions options;
    options.epochs = args.doubleOption("epochs", 0.0, 0.01, 1000.0);
    options.fromScratch = args.flag("from-scratch");
    if (std::optional<std::string> network = args.option("network")) {
        if (*network != "pretrained" && *network != "resnet")
            throw UsageError("--network must be pretrained (the MobileNetV2 backbone) or resnet, not '" + *network + "'");
        options.useBackbone = *network == "pretrained";
    }
    if (options.fromScratch && options.useBackbone.value_or(false))
        throw UsageError("--from-scratch trains the ResNet; it cannot be combined with --network pretrained");
    const catalog::LibraryLock lock = lockExistingLibrary(args);
    std::unique_ptr<services::Library> library = openExistingLookalikes(args, ItemsNeeded::Yes);
    return trainAndReport(*library, options, out, err);
}

int trainAndReport(services::Library& library, const services::LibraryTrainingOptions& options, std::ostream& out,
                   std::ostream& err) {
    services::LibraryTrainingReport report;
    {
        TerminalProgress progress(err);
        try {
            report = library.train(options, progress.callback(), &interruptToken());
        } catch (const Cancelled&) {
            progress.clear();
            std::optional<ModelId> active = library.activeModel();
            err << "Training interrupted: nothing was switched"
                << (active ? "; model " + std::to_string(*active) + " stays active" : std::string()) << ".\n";
            return Interrupted;
        }
    }
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.1f", report.trainingSeconds);
    std::string start;
    bool pretrained = false;
    if (std::optional<catalog::ModelRecord> model = library.models().model(report.model)) {
        services::KeyValues recipe = services::parseKeyValues(model->recipe);
        if (recipe.contains("start"))
            start = " (" + recipe["start"] + ")";
        pretrained = recipe.contains("backbone");
    }
    if (report.steps > 0)
        out << "Trained model " << report.model << start << ": " << plural(report.steps, "step") << " in " << seconds
            << " s.\n";
    else if (pretrained)
        out << "Trained model " << report.model << ": the pretrained network and the descriptors fitted to this "
            << "library (no network steps; group photos that belong together and train again to fine-tune the "
            << "network on them).\n";
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
