// `paddock demo`: a synthetic French racing database that behaves like the real thing, so that
// training, evaluation and batch jobs can be tried without anyone's data.
//
// The world: horses of three families (trotters, flat horses, jumpers) with a latent ability
// that changes with age, a preferred distance, a preferred discipline and a propensity to break
// stride or fall; jockeys/drivers and trainers with skill; venues with a stall bias. Every day
// has four or five meetings of seven to nine races and one Quinté+ (14-18 runners). A runner's
// strength on the day is the sum of those effects plus the day's form; the true win
// probabilities follow from the strengths and the chances of an incident (win_probability.h),
// and the result is drawn from them (Plackett-Luce among the runners that finish). The market
// is a noisy, favourite-longshot-biased view of the true chances with a pari-mutuel
// over-round. `musique`, career figures and earnings are computed from the generated history.
// True probabilities go to `demo_truth`, which features never read.
//
// Deterministic: the same options give the same rows, byte for byte.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/database.h"

namespace paddock {

struct DemoOptions {
  std::int64_t races = 20000;
  std::uint64_t seed = 42;
  Day start = 0;        // first race day
  int days_ahead = 2;   // the last `days_ahead` days are upcoming: runners, odds, no results
};

struct DemoReport {
  std::int64_t races = 0;
  std::int64_t runners = 0;
  std::int64_t horses = 0;
  std::int64_t days = 0;
  std::int64_t upcoming_races = 0;
  std::int64_t quinte_races = 0;
  std::string first_day;
  std::string last_day;
  double favourite_win_rate = 0.0;   // market favourite (final odds), finished races
  double truth_favourite_win_rate = 0.0;
  double mean_overround = 0.0;
  double mean_field_size = 0.0;
  double non_runner_rate = 0.0;
  double incident_rate = 0.0;
  double seconds = 0.0;
};

// Fills an empty database. Refuses a database that already holds races.
Result<DemoReport> generate_demo(Database& db, const DemoOptions& options,
                                 const std::function<void(std::string_view)>& say);

}  // namespace paddock
