// Look-alike quality on a real labelled folder, the way a shop uses Lookalike: import the
// folder, search without labels, curate some groups, retrain, search again. Reports Recall@1
// and MAP@R (leave-one-out among the measured photos, a photo's relevant set being the others
// with its label) for:
//   raw pixels, HOG + colour (the fallback model), the untrained network,
//   the model trained on the library without labels, and the model retrained with the curated groups,
// the last two as served, as the network alone and as the learned descriptor projection alone.
// Labels come from a CSV `file,group`; `--curated` names the rows whose groups the owner
// curates; the measurement after retraining uses only the other groups ("held out").
//
//   bench_quality --labels DIR/labels.csv --curated DIR/curated.csv [--library TMP]
//                 [--epochs N] [--retrain-epochs N] [--descriptor-weight W] [--input-size S]
//                 [--pretrained FILE.lkckpt] [--backbone FILE.lkckpt (train on the pretrained MobileNetV2)]
//                 [--from-scratch 1] [--skip-self-supervised 1 (skips the no-label run)]
//                 [--fine-tuned-blocks N (the backbone's, with curated groups)]
//                 [--learning-rate LR (AdamW's, every training run; default the library's)]

#include "tests/bench/bench_support.h"
#include "core/imaging/descriptors.h"
#include "core/imaging/thumbnail.h"
#include "core/metric/retrieval_metrics.h"
#include "core/nn/network.h"
#include "core/services/importer.h"
#include "core/services/library.h"
#include "core/training/trainer.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unistd.h>
#include <vector>

using namespace lookalike;
namespace fs = std::filesystem;

namespace {

struct Options {
    fs::path labels;
    fs::path curated;
    fs::path library;
    double epochs = 0.0;
    double retrainEpochs = 0.0;
    std::optional<float> descriptorWeight;  // the library's choice
    int inputSize = 96;
    fs::path pretrained;  // a shipped model to start from
    fs::path backbone;    // a pretrained backbone to train on
    bool fromScratch = false;
    bool skipSelfSupervised = false;  // go straight from the start model to curating
    std::optional<int> fineTunedBlocks;  // the backbone's, with curated groups
    std::optional<float> learningRate;
};

Options parse(int argc, char** argv) {
    Options options;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string name = argv[i];
        std::string value = argv[i + 1];
        if (name == "--labels") options.labels = value;
        else if (name == "--curated") options.curated = value;
        else if (name == "--library") options.library = value;
        else if (name == "--epochs") options.epochs = std::stod(value);
        else if (name == "--retrain-epochs") options.retrainEpochs = std::stod(value);
        else if (name == "--descriptor-weight") options.descriptorWeight = std::stof(value);
        else if (name == "--input-size") options.inputSize = std::stoi(value);
        else if (name == "--pretrained") options.pretrained = value;
        else if (name == "--backbone") options.backbone = value;
        else if (name == "--from-scratch") options.fromScratch = value == "1";
        else if (name == "--skip-self-supervised") options.skipSelfSupervised = value == "1";
        else if (name == "--fine-tuned-blocks") options.fineTunedBlocks = std::stoi(value);
        else if (name == "--learning-rate") options.learningRate = std::stof(value);
        else throw std::invalid_argument("unknown option " + name);
    }
    if (options.labels.empty())
        throw std::invalid_argument("usage: bench_quality --labels labels.csv [--curated curated.csv] ...");
    return options;
}

// file,group rows (after a header), files relative to the CSV's folder.
std::vector<std::pair<fs::path, std::string>> readCsv(const fs::path& csv) {
    std::ifstream in(csv);
    if (!in)
        throw std::runtime_error("cannot read " + csv.string());
    std::vector<std::pair<fs::path, std::string>> rows;
    std::string line;
    std::getline(in, line);
    while (std::getline(in, line)) {
        auto comma = line.rfind(',');
        if (comma == std::string::npos)
            continue;
        fs::path file = line.substr(0, comma);
        rows.emplace_back(fs::weakly_canonical(file.is_absolute() ? file : csv.parent_path() / file), line.substr(comma + 1));
    }
    return rows;
}

struct Score {
    double recallAt1 = 0.0;
    double mapAtR = 0.0;
};

Score evaluate(const std::vector<float>& vectors, std::size_t dimension, const std::vector<std::int64_t>& labels) {
    metric::RetrievalConfig config;
    config.recallAtK = {1};
    metric::EmbeddingsView view{vectors, labels.size(), dimension};
    metric::RetrievalMetrics metrics = metric::evaluateRetrieval(view, labels, config);
    return {metrics.recallAtK.front().recall, metrics.mapAtR};
}

// Values [from, to) of each row, renormalised: the network's share of a fused vector (the
// first values) or the descriptor branch's (the rest).
std::vector<float> partOf(const std::vector<float>& fused, std::size_t dimension, std::size_t from, std::size_t to) {
    std::vector<float> out;
    for (std::size_t first = 0; first < fused.size(); first += dimension) {
        double norm = 0.0;
        for (std::size_t d = from; d < to; ++d)
            norm += static_cast<double>(fused[first + d]) * fused[first + d];
        for (std::size_t d = from; d < to; ++d)
            out.push_back(static_cast<float>(fused[first + d] / std::sqrt(std::max(norm, 1e-20))));
    }
    return out;
}

// The same fused vectors re-weighted: network part (first `part` values) and descriptor part
// each renormalised, then scaled by sqrt(1 - w) and sqrt(w).
std::vector<float> reweighted(const std::vector<float>& fused, std::size_t dimension, std::size_t part, float weight) {
    std::vector<float> out(fused.size());
    for (std::size_t first = 0; first < fused.size(); first += dimension) {
        double networkNorm = 0.0, descriptorNorm = 0.0;
        for (std::size_t d = 0; d < dimension; ++d)
            (d < part ? networkNorm : descriptorNorm) += static_cast<double>(fused[first + d]) * fused[first + d];
        const double a = std::sqrt(1.0 - weight) / std::sqrt(std::max(networkNorm, 1e-20));
        const double b = std::sqrt(weight) / std::sqrt(std::max(descriptorNorm, 1e-20));
        for (std::size_t d = 0; d < dimension; ++d)
            out[first + d] = static_cast<float>(fused[first + d] * (d < part ? a : b));
    }
    return out;
}

struct Row {
    std::string method;
    std::map<std::string, Score> scores;  // by measured set
};

void printTable(const std::vector<Row>& rows, const std::vector<std::string>& sets) {
    std::printf("\n| method |");
    for (const auto& set : sets)
        std::printf(" %s R@1 | %s MAP@R |", set.c_str(), set.c_str());
    std::printf("\n|---|");
    for (std::size_t i = 0; i < sets.size(); ++i)
        std::printf("---|---|");
    std::printf("\n");
    for (const Row& row : rows) {
        std::printf("| %s |", row.method.c_str());
        for (const auto& set : sets) {
            auto found = row.scores.find(set);
            if (found == row.scores.end())
                std::printf(" | |");
            else
                std::printf(" %.4f | %.4f |", found->second.recallAt1, found->second.mapAtR);
        }
        std::printf("\n");
    }
    std::fflush(stdout);
}

double since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
    try {
        Options options = parse(argc, argv);
        std::printf("bench_quality: %s (load average %s)\n", options.labels.c_str(), bench::loadAverage().c_str());
        auto rows = readCsv(options.labels);
        std::set<std::string> curatedGroups;
        if (!options.curated.empty())
            for (const auto& [file, group] : readCsv(options.curated))
                curatedGroups.insert(group);
        if (options.library.empty())
            options.library = fs::temp_directory_path() / ("lookalike-quality-" + std::to_string(::getpid()));
        fs::remove_all(options.library);
        services::LibraryOptions libraryOptions;
        libraryOptions.pretrainedModel = options.pretrained;
        libraryOptions.pretrainedBackbone = options.backbone;
        auto library = services::Library::open(options.library, libraryOptions);

        // Import the folders that hold the labelled files, as a shop would.
        std::set<fs::path> roots;
        for (const auto& [file, group] : rows)
            roots.insert(file.parent_path());
        std::vector<fs::path> rootList(roots.begin(), roots.end());
        auto start = std::chrono::steady_clock::now();
        services::ImportReport imported = services::importFolders(library->catalog(), rootList);
        std::printf("imported %lld photos (%lld duplicates, %lld failed) in %.1f s\n",
                    static_cast<long long>(imported.counts.imported), static_cast<long long>(imported.counts.duplicates),
                    static_cast<long long>(imported.counts.failed), since(start));
        start = std::chrono::steady_clock::now();
        library->refresh();
        std::printf("descriptor embeddings and index in %.1f s\n", since(start));

        // The measured sets: every labelled item, and the held-out groups (not curated).
        std::map<std::string, std::int64_t> labelIds;
        std::map<std::string, std::vector<std::pair<catalog::ItemId, std::int64_t>>> sets;
        std::set<catalog::ItemId> seen;
        for (const auto& [file, group] : rows) {
            std::optional<catalog::ItemId> id = library->catalog().findItemByPath(file.string());
            if (!id || !seen.insert(*id).second)
                continue;  // failed to import, or a duplicate of another file
            auto label = labelIds.emplace(group, static_cast<std::int64_t>(labelIds.size())).first->second;
            sets["all"].emplace_back(*id, label);
            if (!curatedGroups.empty() && !curatedGroups.contains(group))
                sets["held-out"].emplace_back(*id, label);
        }
        std::vector<std::string> setNames{"all"};
        if (sets.contains("held-out"))
            setNames.push_back("held-out");
        std::printf("labelled items: %zu in %zu groups; held-out items: %zu\n", sets["all"].size(), labelIds.size(),
                    sets["held-out"].size());

        auto thumbnails = [&](const std::vector<std::pair<catalog::ItemId, std::int64_t>>& set) {
            std::vector<cv::Mat> images;
            for (const auto& [id, label] : set)
                images.push_back(imaging::decodeThumbnail(library->catalog().thumbnail(id)->jpeg));
            return images;
        };
        auto labelsOf = [](const std::vector<std::pair<catalog::ItemId, std::int64_t>>& set) {
            std::vector<std::int64_t> labels;
            for (const auto& entry : set)
                labels.push_back(entry.second);
            return labels;
        };
        // The newest ready model's vectors (the one just trained, even when it was not switched to).
        auto newestModel = [&] {
            catalog::ModelId newest = 0;
            for (const auto& model : library->models().models())
                if (model.state == catalog::ModelState::Ready)
                    newest = model.id;
            return newest;
        };
        auto storedVectors = [&](const std::vector<std::pair<catalog::ItemId, std::int64_t>>& set) {
            std::vector<float> vectors;
            const catalog::ModelId model = newestModel();
            for (const auto& [id, label] : set) {
                auto vector = library->models().embedding(model, id);
                vectors.insert(vectors.end(), vector->begin(), vector->end());
            }
            return vectors;
        };
        const auto activeDimension = [&] { return static_cast<std::size_t>(library->models().model(newestModel())->dimension); };

        std::vector<Row> table;
        Row raw{"raw pixels (32x32 RGB)", {}}, hog{"HOG + colour (fallback, no training)", {}},
            untrained{"untrained network (alone)", {}};
        const std::size_t rawDim = imaging::rawPixelDimension();
        nn::NetworkConfig architecture = nn::NetworkConfig::forInput(3, options.inputSize);
        nn::Network randomNetwork(architecture, 1);
        for (const std::string& name : setNames) {
            const auto& set = sets[name];
            std::vector<cv::Mat> images = thumbnails(set);
            std::vector<float> vectors(images.size() * rawDim);
            for (std::size_t i = 0; i < images.size(); ++i)
                imaging::rawPixelDescriptor(images[i], imaging::kDefaultRawPixelSize, {vectors.data() + i * rawDim, rawDim});
            raw.scores[name] = evaluate(vectors, rawDim, labelsOf(set));
            {
                // Model 1 is the descriptors, whichever model serves.
                std::vector<float> vectors;
                for (const auto& [id, label] : set) {
                    auto vector = library->models().embedding(1, id);
                    vectors.insert(vectors.end(), vector->begin(), vector->end());
                }
                hog.scores[name] = evaluate(vectors, static_cast<std::size_t>(library->models().model(1)->dimension),
                                            labelsOf(set));
            }
            untrained.scores[name] = evaluate(training::embedImages(randomNetwork, images),
                                              static_cast<std::size_t>(architecture.embeddingDim), labelsOf(set));
        }
        table = {raw, hog, untrained};
        printTable(table, setNames);

        auto measureActive = [&](const std::string& label, const std::vector<std::string>& on) {
            const auto model = library->models().model(newestModel());
            const bool active = library->activeModel() == model->id;
            const std::string recipe = model->recipe;
            const std::string weightKey = "descriptor_weight=";
            const auto at = recipe.find(weightKey);
            const float servedWeight = at == std::string::npos ? 0.0f : std::stof(recipe.substr(at + weightKey.size()));
            char servedName[160];
            std::snprintf(servedName, sizeof servedName, "%s (%s at w = %.2f)", label.c_str(),
                          active ? "served" : "not switched to: held-out check fell", servedWeight);
            Row served{servedName, {}}, alone{label + " (network alone)", {}},
                branch{label + " (learned descriptor projection alone)", {}};
            // The network part's size: the model's own architecture (ResNet or MobileNetV2).
            const std::string architectureKey = "architecture=";
            const auto architectureAt = recipe.find(architectureKey);
            const auto part = static_cast<std::size_t>(
                architectureAt == std::string::npos
                    ? architecture.embeddingDim
                    : nn::NetworkConfig::fromString(recipe.substr(architectureAt + architectureKey.size(),
                                                                  recipe.find('\n', architectureAt) - architectureAt -
                                                                      architectureKey.size()))
                          .embeddingDim);
            // At w = 1 the stored vectors are the descriptor branch alone; otherwise both parts.
            const bool fused = servedWeight < 1.0f && activeDimension() > part;
            for (const std::string& name : on) {
                const auto& set = sets[name];
                std::vector<float> vectors = storedVectors(set);
                const std::size_t dimension = activeDimension();
                served.scores[name] = evaluate(vectors, dimension, labelsOf(set));
                if (fused) {
                    alone.scores[name] = evaluate(partOf(vectors, dimension, 0, part), part, labelsOf(set));
                    branch.scores[name] =
                        evaluate(partOf(vectors, dimension, part, dimension), dimension - part, labelsOf(set));
                }
            }
            table.push_back(served);
            if (!fused)
                return;
            table.push_back(alone);
            table.push_back(branch);
            // What other fusion weights would have given (trained at the recipe's weight).
            for (float weight : {0.3f, 0.7f, 0.85f, 0.95f}) {
                char name[96];
                std::snprintf(name, sizeof name, "%s (fused at w = %.2f)", label.c_str(), weight);
                Row row{name, {}};
                for (const std::string& setName : on) {
                    const auto& set = sets[setName];
                    row.scores[setName] = evaluate(reweighted(storedVectors(set), activeDimension(), part, weight),
                                                   activeDimension(), labelsOf(set));
                }
                table.push_back(row);
            }
        };
        auto trainOnce = [&](double epochs, bool fromScratch) {
            services::LibraryTrainingOptions trainOptions;
            trainOptions.epochs = epochs;
            trainOptions.fromScratch = fromScratch;
            if (!options.backbone.empty())
                trainOptions.useBackbone = true;
            trainOptions.inputSize = options.inputSize;
            trainOptions.descriptorWeight = options.descriptorWeight;
            trainOptions.fineTunedBlocks = options.fineTunedBlocks;
            trainOptions.learningRate = options.learningRate;
            auto trainStart = std::chrono::steady_clock::now();
            std::string lastPhase;
            services::LibraryTrainingReport report = library->train(trainOptions, [&](const Progress& p) {
                if (p.current != lastPhase) {
                    std::printf("  %s... (%.0f s)\n", p.current.c_str(), since(trainStart));
                    std::fflush(stdout);
                    lastPhase = p.current;
                }
            });
            std::printf("trained model %lld: %lld steps, %.1f s training, %.1f s in all, %lld curated groups, "
                        "%lld instances, activated %s %s\n",
                        static_cast<long long>(report.model), static_cast<long long>(report.steps), report.trainingSeconds,
                        since(trainStart), static_cast<long long>(report.curatedGroups),
                        static_cast<long long>(report.instances), report.activated ? "yes" : "no", report.collapse.c_str());
            if (report.before && report.after)
                std::printf("library's own held-out check: R@1 %.4f -> %.4f, MAP@R %.4f -> %.4f\n", report.before->recallAt1,
                            report.after->recallAt1, report.before->mapAtR, report.after->mapAtR);
        };

        if (library->models().model(*library->activeModel())->kind == catalog::ModelKind::Network) {
            measureActive("shipped pretrained start, no labels", setNames);
            printTable(table, setNames);
        }
        if (!options.skipSelfSupervised) {
            trainOnce(options.epochs, options.fromScratch);
            measureActive("trained on the library, no labels", setNames);
            printTable(table, setNames);
        }

        if (!curatedGroups.empty()) {
            // The owner curates: one group per curated label.
            std::map<std::string, catalog::GroupId> groups;
            for (const auto& [file, group] : readCsv(options.curated)) {
                std::optional<catalog::ItemId> id = library->catalog().findItemByPath(file.string());
                if (!id)
                    continue;
                if (!groups.contains(group))
                    groups[group] = library->catalog().createGroup(group, 0);
                library->catalog().addToGroup(groups[group], *id, 0);
            }
            std::printf("curated %zu groups\n", groups.size());
            trainOnce(options.retrainEpochs, false);
            measureActive("retrained with curated groups", {"held-out"});
            printTable(table, setNames);
        }
        fs::remove_all(options.library);
        return 0;
    } catch (const std::exception& error) {
        std::fprintf(stderr, "bench_quality: %s\n", error.what());
        return 1;
    }
}
