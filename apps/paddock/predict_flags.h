// The flags of a batch job, defined once for every command that takes them: `paddock predict`,
// `batch_predict` (the batch prediction guide's name) and `paddock jobs launch`. Ranges and
// combinations are checked by PredictOptions::validate(), not here.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

#include "core/error.h"
#include "options/predict_options.h"

namespace paddock::cli {

// What the flags fill in; days stay text until build_predict_options reads them.
struct PredictArgs {
  PredictOptions options;
  std::string date;
  std::string from;
  std::string to;
};

void bind_predict_flags(CLI::App& app, PredictArgs& args);

// The options the flags give, with their days read and the whole validated.
Result<PredictOptions> build_predict_options(const PredictArgs& args);

}  // namespace paddock::cli
