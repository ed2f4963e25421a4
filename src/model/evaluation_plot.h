// `paddock evaluate --plot FILE.svg`: one SVG picture of an evaluation, two panels side by
// side: the cumulative profit of each backtest strategy race after race, and the calibration
// curve (mean predicted win probability against the observed win rate, by bucket) of the
// combined model and of the market, with the diagonal of perfect calibration.
//
// Written by hand: SVG is text, and no packaged C++ library here draws charts.
#pragma once

#include <string>

#include "model/evaluator.h"

namespace paddock {

std::string evaluation_plot_svg(const EvaluationReport& report, const std::string& title);

}  // namespace paddock
