// The inference floor of a batch job: the same feature rows the engine would compute, pushed
// through the tree evaluator alone (XGBoost's, or paddock's flat forest with --evaluator flat),
// in chunks of the same size, on N threads with one model each; with the flat forest, --kernel
// picks its descent (scalar, avx2, avx512; the widest the CPU runs by default). What
// the engine adds on top (reading races, features, stage 2, writing) shows as the ratio of its
// end-to-end rate to this one. Features are built before the clock starts.
//
// Usage: inference_floor --db FILE [--workers N[,N...]] [--chunk-size N] [--limit N] [--repeat N]
//                        [--evaluator xgboost|flat[,...]] [--kernel scalar|avx2|avx512[,...]]
// Several evaluators, kernels or thread counts are timed in the same run, round-robin, a line
// each: e.g. --evaluator xgboost,flat --kernel scalar,avx512 --workers 1,2.
#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <thread>

#include "features/race_stream.h"
#include "model/model.h"
#include "store/database.h"

namespace paddock {
namespace {

struct Args {
  std::string db;
  std::vector<int> workers{1};
  int chunk_size = 50;
  std::int64_t limit = 0;
  int repeat = 1;
  std::vector<std::string> evaluators{"xgboost"};
  std::vector<std::string> kernels;  // the flat forest's descents; none given: the widest supported
};

int run(const Args& args) {
  Result<std::unique_ptr<Database>> db = open_database(args.db);
  if (!db.ok()) return fmt::print(stderr, "{}\n", db.error().describe()), 1;
  Result<std::optional<ModelRecord>> record = (*db)->active_model();
  if (!record.ok() || !*record) return fmt::print(stderr, "no active model\n"), 1;
  const auto load_start = std::chrono::steady_clock::now();
  Result<HistoryIndex> history = HistoryIndex::load(**db);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - load_start).count();
  if (!history.ok()) return fmt::print(stderr, "{}\n", history.error().describe()), 1;
  RaceQuery query;
  if (args.limit > 0) query.limit = args.limit;
  const std::vector<RaceId> ids = *(*db)->find_races(query);

  // Chunks of feature rows, as the engine's workers hold them.
  std::vector<std::vector<float>> chunks;
  std::vector<std::size_t> chunk_rows;
  std::vector<float> current;
  std::size_t rows = 0, races_in_chunk = 0, total_rows = 0;
  const auto features_start = std::chrono::steady_clock::now();
  Status built = for_each_race_features(**db, *history, ids, [&](const RaceCard&, const Result<RaceFeatures>& f) {
    if (f.ok()) {
      current.insert(current.end(), f->values.begin(), f->values.end());
      rows += f->rows();
    }
    if (++races_in_chunk == static_cast<std::size_t>(args.chunk_size)) {
      chunks.push_back(std::move(current));
      chunk_rows.push_back(rows);
      total_rows += rows;
      current.clear();
      rows = races_in_chunk = 0;
    }
  });
  if (!current.empty()) {
    chunks.push_back(std::move(current));
    chunk_rows.push_back(rows);
    total_rows += rows;
  }
  if (!built.ok()) return fmt::print(stderr, "{}\n", built.error().describe()), 1;
  const double features_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - features_start).count();

  // The variants to time: each evaluator, and with the flat forest each kernel asked for, on
  // each number of threads; round-robin over the repeats, so that they share the machine's
  // moods, and the best of the repeats of each.
  struct Variant {
    std::string evaluator;
    std::optional<FlatForest> forest;  // with the flat forest: a copy using its kernel
    int workers = 1;
    double best = 1e300;
  };
  const int max_workers = *std::max_element(args.workers.begin(), args.workers.end());
  std::vector<Model> models;
  for (int w = 0; w < max_workers; ++w) {
    models.push_back(std::move(*Model::load((*record)->path)));
    // XGBoost's booster, loaded now (a model with its cached forest loads it on first use).
    if (Result<Booster*> booster = models.back().booster(); !booster.ok()) {
      return fmt::print(stderr, "{}\n", booster.error().describe()), 1;
    }
  }
  std::vector<Variant> variants;
  for (const std::string& evaluator : args.evaluators) {
    std::vector<std::optional<FlatForest>> forests{std::nullopt};
    if (evaluator == "flat") {
      if (!models.front().uses_flat_forest()) {
        return fmt::print(stderr, "the flat forest is not used: {}\n", models.front().evaluator()), 1;
      }
      forests.clear();
      for (const std::string& name : args.kernels.empty() ? std::vector<std::string>{""} : args.kernels) {
        FlatForest forest = *models.front().flat_forest();
        if (!name.empty()) {
          const ForestKernel kernel = name == "avx512" ? ForestKernel::kAvx512
                                      : name == "avx2" ? ForestKernel::kAvx2
                                                       : ForestKernel::kScalar;
          Status usable = forest.use_kernel(kernel);
          if (!usable.ok()) return fmt::print(stderr, "{}\n", usable.error().describe()), 1;
        }
        forests.emplace_back(std::move(forest));
      }
    }
    for (std::optional<FlatForest>& forest : forests) {
      for (int workers : args.workers) variants.push_back(Variant{evaluator, forest, workers});
    }
  }
  for (int r = 0; r < args.repeat; ++r) {
    for (Variant& variant : variants) {
      const auto start = std::chrono::steady_clock::now();
      std::vector<std::thread> threads;
      for (int w = 0; w < variant.workers; ++w) {
        threads.emplace_back([&, w] {
          const auto step = static_cast<std::size_t>(variant.workers);
          for (std::size_t c = static_cast<std::size_t>(w); c < chunks.size(); c += step) {
            if (variant.forest) {
              // The one forest, shared read-only by the threads, as a job's workers share it.
              std::vector<float> scores(chunk_rows[c]);
              variant.forest->predict(chunks[c].data(), chunk_rows[c], kFeatureCount, scores.data());
            } else {
              (void)(*models[static_cast<std::size_t>(w)].booster())->predict(chunks[c].data(), chunk_rows[c],
                                                                               kFeatureCount);
            }
          }
        });
      }
      for (std::thread& t : threads) t.join();
      variant.best =
          std::min(variant.best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
  }
  // The history load and the feature rows (one thread, race cards read included) are timed
  // too: they are what the engine adds before the trees, and a figure to compare changes by.
  for (const Variant& v : variants) {
    fmt::print("evaluator={} kernel={} races={} rows={} workers={} seconds={:.4f} races_per_second={:.0f} "
               "us_per_row={:.3f} history_load_seconds={:.3f} features_seconds={:.3f}\n",
               v.evaluator, v.forest ? forest_kernel_name(v.forest->kernel()) : "-", ids.size(), total_rows, v.workers,
               v.best, static_cast<double>(ids.size()) / v.best,
               1e6 * v.best * v.workers / static_cast<double>(total_rows), load_seconds, features_seconds);
  }
  return 0;
}

}  // namespace
}  // namespace paddock

int main(int argc, char** argv) {
  paddock::Args args;
  CLI::App app{"inference_floor: XGBoost alone on the engine's feature rows"};
  app.add_option("--db", args.db)->required();
  app.add_option("--workers", args.workers)->delimiter(',');
  app.add_option("--chunk-size", args.chunk_size);
  app.add_option("--limit", args.limit);
  app.add_option("--repeat", args.repeat);
  app.add_option("--evaluator", args.evaluators)->delimiter(',')->check(CLI::IsMember({"xgboost", "flat"}));
  app.add_option("--kernel", args.kernels)->delimiter(',')->check(CLI::IsMember({"scalar", "avx2", "avx512"}));
  CLI11_PARSE(app, argc, argv);
  return paddock::run(args);
}
