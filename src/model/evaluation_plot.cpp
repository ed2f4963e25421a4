#include "model/evaluation_plot.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>

namespace paddock {
namespace {

constexpr double kPanelWidth = 520, kPanelHeight = 360, kMargin = 56, kTop = 64;
constexpr std::array<const char*, 6> kColours{"#1f77b4", "#2ca02c", "#9467bd", "#7f7f7f", "#d62728", "#ff7f0e"};

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

// A "nice" step for about `ticks` ticks over `span`: 1, 2 or 5 times a power of ten.
double nice_step(double span, int ticks) {
  const double raw = span / ticks;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (raw <= m * power) return m * power;
  }
  return 10 * power;
}

// Maps data coordinates to a panel's pixels.
struct Frame {
  double left, top, width, height;
  double x0, x1, y0, y1;
  double x(double v) const { return left + (v - x0) / (x1 - x0) * width; }
  double y(double v) const { return top + height - (v - y0) / (y1 - y0) * height; }
};

void axes(std::string& svg, const Frame& f, const std::string& x_label, const std::string& y_label, bool percent) {
  svg += fmt::format(R"svg(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="none" stroke="#444"/>)svg" "\n",
                     f.left, f.top, f.width, f.height);
  const double xs = nice_step(f.x1 - f.x0, 6), ys = nice_step(f.y1 - f.y0, 6);
  auto label = [&](double v) { return percent ? fmt::format("{:g}%", std::round(v * 1000) / 10) : fmt::format("{:g}", v); };
  for (double v = std::ceil(f.x0 / xs) * xs; v <= f.x1 + 1e-9; v += xs) {
    svg += fmt::format(R"svg(<line x1="{0:.1f}" y1="{1:.1f}" x2="{0:.1f}" y2="{2:.1f}" stroke="#ddd"/>)svg"
                       R"svg(<text x="{0:.1f}" y="{3:.1f}" text-anchor="middle" font-size="11">{4}</text>)svg" "\n",
                       f.x(v), f.top, f.top + f.height, f.top + f.height + 15, label(v));
  }
  for (double v = std::ceil(f.y0 / ys) * ys; v <= f.y1 + 1e-9; v += ys) {
    svg += fmt::format(R"svg(<line x1="{0:.1f}" y1="{1:.1f}" x2="{2:.1f}" y2="{1:.1f}" stroke="#ddd"/>)svg"
                       R"svg(<text x="{3:.1f}" y="{4:.1f}" text-anchor="end" font-size="11">{5}</text>)svg" "\n",
                       f.left, f.y(v), f.left + f.width, f.left - 6, f.y(v) + 4, label(v));
  }
  svg += fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" text-anchor="middle" font-size="12">{}</text>)svg" "\n",
                     f.left + f.width / 2, f.top + f.height + 34, escape(x_label));
  svg += fmt::format(R"svg(<text transform="translate({:.1f},{:.1f}) rotate(-90)" text-anchor="middle" font-size="12">{}</text>)svg" "\n",
                     f.left - 42, f.top + f.height / 2, escape(y_label));
}

std::string polyline(const Frame& f, const std::vector<std::pair<double, double>>& points, const char* colour,
                     double width, const char* dash = "") {
  std::string path;
  for (const auto& [x, y] : points) path += fmt::format("{:.1f},{:.1f} ", f.x(x), f.y(y));
  return fmt::format(R"svg(<polyline fill="none" stroke="{}" stroke-width="{}" stroke-dasharray="{}" points="{}"/>)svg" "\n",
                     colour, width, dash, path);
}

void legend(std::string& svg, const Frame& f, std::size_t row, const char* colour, const std::string& text) {
  const double y = f.top + 14 + 16 * static_cast<double>(row);
  svg += fmt::format(R"svg(<line x1="{:.1f}" y1="{:.1f}" x2="{:.1f}" y2="{:.1f}" stroke="{}" stroke-width="3"/>)svg"
                     R"svg(<text x="{:.1f}" y="{:.1f}" font-size="11">{}</text>)svg" "\n",
                     f.left + 8, y, f.left + 26, y, colour, f.left + 32, y + 4, escape(text));
}

// A white box under the legend's rows, so that lines do not run through its words.
void legend_box(std::string& svg, const Frame& f, std::size_t rows, double width) {
  svg += fmt::format(R"svg(<rect x="{:.1f}" y="{:.1f}" width="{:.1f}" height="{:.1f}" fill="white" fill-opacity="0.85" stroke="#ccc"/>)svg" "\n",
                     f.left + 4, f.top + 4, width, 16.0 * static_cast<double>(rows) + 6);
}

void profit_panel(std::string& svg, const BacktestResult& backtest, double left) {
  double low = 0, high = 0;
  std::size_t races = 1;
  for (const StrategyResult& s : backtest.strategies) {
    for (double v : s.cumulative) low = std::min(low, v), high = std::max(high, v);
    races = std::max(races, s.cumulative.size());
  }
  const double pad = std::max(1.0, (high - low) * 0.05);
  const Frame f{left + kMargin, kTop, kPanelWidth - kMargin - 12, kPanelHeight - 60, 0, static_cast<double>(races),
                low - pad, high + pad};
  svg += fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" font-size="14" font-weight="bold">Cumulative profit (units)</text>)svg" "\n",
                     f.left, kTop - 10);
  axes(svg, f, "races, in date order", "profit (units staked: 1 per bet; Kelly: bankroll 100)", false);
  svg += polyline(f, {{0, 0}, {static_cast<double>(races), 0}}, "#444", 1, "4 3");
  for (std::size_t k = 0; k < backtest.strategies.size(); ++k) {
    const StrategyResult& s = backtest.strategies[k];
    // At most ~1,000 points a line: a picture does not need every race of a long backtest.
    const std::size_t stride = std::max<std::size_t>(1, s.cumulative.size() / 1000);
    std::vector<std::pair<double, double>> points{{0, 0}};
    for (std::size_t i = 0; i < s.cumulative.size(); i += stride) points.emplace_back(static_cast<double>(i + 1), s.cumulative[i]);
    if (!s.cumulative.empty()) points.emplace_back(static_cast<double>(s.cumulative.size()), s.cumulative.back());
    svg += polyline(f, points, kColours[k % kColours.size()], 1.6);
  }
  legend_box(svg, f, backtest.strategies.size(), 260);
  for (std::size_t k = 0; k < backtest.strategies.size(); ++k) {
    const StrategyResult& s = backtest.strategies[k];
    legend(svg, f, k, kColours[k % kColours.size()], fmt::format("{}: ROI {:+.1f}%, {} bets", s.name, s.roi * 100, s.bets));
  }
}

void calibration_panel(std::string& svg, const EvaluationReport& report, double left) {
  double top = 0.05;
  for (const MetricsSummary& m : report.predictors) {
    for (const CalibrationBucket& b : m.calibration) top = std::max({top, b.mean_probability, b.win_rate});
  }
  top = std::min(1.0, top * 1.1);
  const Frame f{left + kMargin, kTop, kPanelWidth - kMargin - 12, kPanelHeight - 60, 0, top, 0, top};
  svg += fmt::format(R"svg(<text x="{:.1f}" y="{:.1f}" font-size="14" font-weight="bold">Calibration</text>)svg" "\n",
                     f.left, kTop - 10);
  axes(svg, f, "predicted win probability (bucket mean)", "observed win rate", true);
  svg += polyline(f, {{0, 0}, {top, top}}, "#444", 1, "4 3");
  std::size_t row = 0;
  for (std::size_t k = 0; k < report.predictors.size(); ++k) {
    const MetricsSummary& m = report.predictors[k];
    if (m.name.rfind("fundamental", 0) == 0 || m.calibration.empty()) continue;  // combined, market[, truth]
    const char* colour = kColours[(k + 4) % kColours.size()];
    std::vector<std::pair<double, double>> points;
    for (const CalibrationBucket& b : m.calibration) points.emplace_back(b.mean_probability, b.win_rate);
    svg += polyline(f, points, colour, 1.6);
    for (const CalibrationBucket& b : m.calibration) {
      svg += fmt::format(R"svg(<circle cx="{:.1f}" cy="{:.1f}" r="3" fill="{}"><title>{}: {} runners, mean p {:.3f}, won {:.3f}</title></circle>)svg" "\n",
                         f.x(b.mean_probability), f.y(b.win_rate), colour, escape(m.name), b.runners,
                         b.mean_probability, b.win_rate);
    }
    legend(svg, f, row++, colour, m.name);
  }
}

}  // namespace

std::string evaluation_plot_svg(const EvaluationReport& report, const std::string& title) {
  const double width = 2 * kPanelWidth + 20, height = kPanelHeight + kTop + 30;
  std::string svg = fmt::format(
      R"svg(<svg xmlns="http://www.w3.org/2000/svg" width="{0}" height="{1}" viewBox="0 0 {0} {1}" font-family="sans-serif">)svg" "\n"
      R"svg(<rect width="100%" height="100%" fill="white"/>)svg" "\n"
      R"svg(<text x="{2}" y="24" font-size="16" font-weight="bold">{3}</text>)svg" "\n",
      width, height, kMargin, escape(title));
  profit_panel(svg, report.backtest, 0);
  calibration_panel(svg, report, kPanelWidth + 20);
  svg += fmt::format(R"svg(<text x="{}" y="{}" font-size="10" fill="#555">{}</text>)svg" "\n", kMargin, height - 8,
                     escape(report.backtest.limits));
  return svg + "</svg>\n";
}

}  // namespace paddock
