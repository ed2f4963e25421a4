// The fundamental feature set: the columns the stage-1 model sees, in order, with a one-line
// meaning each (docs/features.md is generated from this table by `paddock features --markdown`).
// None of them reads the market odds: those are kept apart in market.h and feed stage 2 only.
// Changing this list changes `feature_set_id()`, and models trained on another list refuse to load.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace paddock {

struct FeatureInfo {
  std::string_view name;
  std::string_view group;
  std::string_view description;
};

enum Feature : int {
  // Race.
  kRaceDistance, kRaceFieldSize, kRaceDiscipline, kRaceIsHandicap, kRacePrizeLog, kRaceIsQuinte,
  // Runner, from its row.
  kAge, kSex, kWeight, kWeightVsField, kDraw, kDrawRelative, kHandicapExtra, kBlinkers, kShoesOff,
  kCareerStarts, kCareerWinRate, kCareerPlaceRate, kCareerEarningsLog, kEarningsPerStartLog,
  kOfficialRating, kBodyWeight,
  // Musique.
  kMusRuns, kMusMeanPlace, kMusRecent3Place, kMusLastPlace, kMusWins, kMusTop3Rate,
  kMusIncidentRate, kMusSameDisciplinePlace, kMusSameDisciplineRuns, kMusSeasonRuns,
  // Horse history before the race day.
  kHistRuns, kHistDaysSinceLast, kHistLastPosition, kHistMeanPosition3, kHistMeanPosition10,
  kHistBestPosition5, kHistWinRate10, kHistTop3Rate10, kHistIncidentRate10, kHistRuns90d,
  kHistSameDisciplineRuns, kHistSameDisciplinePosition, kHistDistancePosition, kHistDistanceChange,
  kHistSameJockey, kHistRating, kHistRatingTrend, kHistClass, kHistClassChange,
  kHistSpeedLast, kHistSpeedBest5, kHistSpeedMean5, kHistSpeedTrend,
  kHistReductionLast, kHistReductionBest5, kHistReductionMean5, kHistReductionTrend,
  kHistOfficialRatingChange, kHistWeightChange,
  // Jockey or driver, trainer, stall.
  kJockeyStarts365, kJockeyWinRate365, kJockeyTop3Rate365, kJockeyWinRate60,
  kTrainerStarts365, kTrainerWinRate365, kTrainerTop3Rate365, kTrainerWinRate60,
  kDrawEdge,
  // Within the race.
  kRankHistMeanPosition10, kZHistMeanPosition10, kRankCareerWinRate, kZCareerWinRate,
  kRankJockeyWinRate, kZJockeyWinRate, kRankTrainerWinRate, kZTrainerWinRate,
  kRankEarningsPerStart, kZEarningsPerStart, kRankMusMeanPlace, kZMusMeanPlace,
  kRankWeight, kZWeight, kRankRating, kZRating, kRankOfficialRating, kZOfficialRating,
  kRankSpeedBest5, kZSpeedBest5,
  kFeatureCount
};

inline constexpr int kFeatureCountValue = kFeatureCount;

const std::array<FeatureInfo, kFeatureCount>& feature_infos();
// "paddock-fundamental-v1:<hash of the ordered names>"
std::string feature_set_id();

}  // namespace paddock
