#include "model/flat_forest_kernels.h"

#include <algorithm>
#include <array>
#include <utility>

#if defined(__x86_64__) && defined(__GNUC__)
#define PADDOCK_X86_KERNELS 1
// GCC 12 warns, inside its own headers, about the deliberately undefined register that some
// intrinsics (permutes, gathers) start from; the values are never read.
#if !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#else
#define PADDOCK_X86_KERNELS 0
#endif

namespace paddock {
namespace detail {
namespace {

constexpr int kMaxDepth = 12;  // FlatForest::kMaxDepth, without including its header here

// The scalar kernel --------------------------------------------------------------------------

constexpr std::size_t kLanes = 8;  // rows descending a tree side by side

// Whether a row goes right at a node, XGBoost's rule without a test for NaN: right when not
// (x < threshold); a missing x (NaN) fails every comparison, so it goes right exactly when
// the node's default is right: (x >= t) is false for NaN, !(x < t) is true.
inline std::size_t goes_right(float x, float threshold, std::uint32_t feature) {
  const bool default_right = (feature & kDefaultRight) != 0;
  return static_cast<std::size_t>((x >= threshold) | (default_right & !(x < threshold)));
}

// The depth is a template argument so that the descent is unrolled.
template <int kDepth>
void score_block_scalar(const ForestArrays& forest, const float* values, std::size_t count, std::size_t columns,
                        float* sums) {
  constexpr std::size_t kInternal = (std::size_t{1} << kDepth) - 1;
  constexpr std::size_t kLeaves = std::size_t{1} << kDepth;
  for (std::size_t t = 0; t < forest.trees; ++t) {
    const std::uint32_t* feature = forest.features + t * kInternal;
    const float* threshold = forest.thresholds + t * kInternal;
    const float* leaf = forest.leaves + t * kLeaves - kInternal;
    std::size_t r = 0;
    // kLanes rows descend side by side: their loads overlap instead of waiting one by one.
    for (; r + kLanes <= count; r += kLanes) {
      std::size_t node[kLanes] = {};
      for (int level = 0; level < kDepth; ++level) {
        for (std::size_t lane = 0; lane < kLanes; ++lane) {
          const std::uint32_t f = feature[node[lane]];
          const float x = values[(r + lane) * columns + (f & kFeatureMask)];
          node[lane] = 2 * node[lane] + 1 + goes_right(x, threshold[node[lane]], f);
        }
      }
      for (std::size_t lane = 0; lane < kLanes; ++lane) sums[r + lane] += leaf[node[lane]];
    }
    for (; r < count; ++r) {
      std::size_t node = 0;
      for (int level = 0; level < kDepth; ++level) {
        const std::uint32_t f = feature[node];
        node = 2 * node + 1 + goes_right(values[r * columns + (f & kFeatureMask)], threshold[node], f);
      }
      sums[r] += leaf[node];
    }
  }
}

#if PADDOCK_X86_KERNELS

// The vector kernels --------------------------------------------------------------------------
//
// A group of rows (8 or 16) descends a tree together. Each lane holds its row's position
// within the current level (0 .. 2^level - 1): the next is 2 * pos + right. The level's node
// words and thresholds are picked by pos, with a permute when the level fits in one or two
// registers, else a gather; the row's value is gathered from its feature's column. Lanes past
// the block's last row are masked off: they read nothing and store nothing.

#define PADDOCK_AVX2 __attribute__((target("avx2"), always_inline)) inline
#define PADDOCK_AVX2_KERNEL __attribute__((target("avx2")))
#define PADDOCK_AVX512 __attribute__((target("avx512f"), always_inline)) inline
#define PADDOCK_AVX512_KERNEL __attribute__((target("avx512f")))

constexpr std::size_t level_start(int level) { return (std::size_t{1} << level) - 1; }

// AVX2: 8 rows ---------------------------------------------------------------------------------

struct Nodes256 {
  __m256i feature;
  __m256 threshold;
};

template <int kLevel>
PADDOCK_AVX2 Nodes256 level_nodes_avx2(const std::uint32_t* feature, const float* threshold, __m256i pos) {
  const std::uint32_t* f = feature + level_start(kLevel);
  const float* t = threshold + level_start(kLevel);
  if constexpr (kLevel <= 3) {  // up to 8 nodes: one register
    return {_mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(f)), pos),
            _mm256_permutevar8x32_ps(_mm256_loadu_ps(t), pos)};
  } else if constexpr (kLevel == 4) {  // 16 nodes: two registers, chosen by bit 3 of pos
    const __m256 high = _mm256_castsi256_ps(_mm256_slli_epi32(pos, 28));
    const __m256 f_low = _mm256_castsi256_ps(
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(f)), pos));
    const __m256 f_high = _mm256_castsi256_ps(
        _mm256_permutevar8x32_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(f + 8)), pos));
    return {_mm256_castps_si256(_mm256_blendv_ps(f_low, f_high, high)),
            _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(t), pos),
                             _mm256_permutevar8x32_ps(_mm256_loadu_ps(t + 8), pos), high)};
  } else {
    return {_mm256_i32gather_epi32(reinterpret_cast<const int*>(f), pos, 4), _mm256_i32gather_ps(t, pos, 4)};
  }
}

// One level for kGroups groups of rows side by side (their gathers overlap instead of each
// waiting for the one before), then the next level.
template <int kLevel, int kDepth, int kGroups>
PADDOCK_AVX2 void descend_avx2(const std::uint32_t* feature, const float* threshold, const float* rows,
                               std::size_t group_stride, __m256i lane_offsets, __m256 valid, __m256i* pos) {
  if constexpr (kLevel < kDepth) {
#pragma GCC unroll 8
    for (int g = 0; g < kGroups; ++g) {
      const Nodes256 nodes = level_nodes_avx2<kLevel>(feature, threshold, pos[g]);
      const __m256i column = _mm256_and_si256(nodes.feature, _mm256_set1_epi32(static_cast<int>(kFeatureMask)));
      const __m256 x = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), rows + static_cast<std::size_t>(g) * group_stride,
                                                _mm256_add_epi32(column, lane_offsets), valid, 4);
      // goes_right: (x >= t) | (default right & !(x < t)), false and true for NaN respectively.
      const __m256 at_or_above = _mm256_cmp_ps(x, nodes.threshold, _CMP_GE_OQ);
      const __m256 not_below = _mm256_cmp_ps(x, nodes.threshold, _CMP_NLT_UQ);
      const __m256 default_right = _mm256_castsi256_ps(_mm256_srai_epi32(nodes.feature, 31));
      const __m256i right = _mm256_castps_si256(_mm256_or_ps(at_or_above, _mm256_and_ps(default_right, not_below)));
      pos[g] = _mm256_sub_epi32(_mm256_add_epi32(pos[g], pos[g]), right);  // right is -1 or 0
    }
    descend_avx2<kLevel + 1, kDepth, kGroups>(feature, threshold, rows, group_stride, lane_offsets, valid, pos);
  }
}

template <int kDepth>
PADDOCK_AVX2 __m256 leaves_avx2(const float* leaf, __m256i pos) {
  if constexpr (kDepth <= 3) {
    return _mm256_permutevar8x32_ps(_mm256_loadu_ps(leaf), pos);
  } else if constexpr (kDepth == 4) {
    return _mm256_blendv_ps(_mm256_permutevar8x32_ps(_mm256_loadu_ps(leaf), pos),
                            _mm256_permutevar8x32_ps(_mm256_loadu_ps(leaf + 8), pos),
                            _mm256_castsi256_ps(_mm256_slli_epi32(pos, 28)));
  } else {
    return _mm256_i32gather_ps(leaf, pos, 4);
  }
}

// kGroups groups of 8 rows from `rows` through one tree, all lanes valid but in the last
// group's `valid`; their leaves added to `sums`.
template <int kDepth, int kGroups>
PADDOCK_AVX2 void tree_avx2(const std::uint32_t* feature, const float* threshold, const float* leaf,
                            const float* rows, std::size_t columns, __m256i lane_offsets, __m256i last_valid,
                            float* sums) {
  __m256i pos[kGroups];
  for (int g = 0; g < kGroups; ++g) pos[g] = _mm256_setzero_si256();
  descend_avx2<0, kDepth, kGroups>(feature, threshold, rows, 8 * columns, lane_offsets,
                                   _mm256_castsi256_ps(last_valid), pos);
#pragma GCC unroll 8
  for (int g = 0; g < kGroups; ++g) {
    float* out = sums + 8 * g;
    const __m256 leaves = leaves_avx2<kDepth>(leaf, pos[g]);
    if (g + 1 < kGroups) {
      _mm256_storeu_ps(out, _mm256_add_ps(_mm256_loadu_ps(out), leaves));
    } else {
      _mm256_maskstore_ps(out, last_valid, _mm256_add_ps(_mm256_maskload_ps(out, last_valid), leaves));
    }
  }
}

template <int kDepth>
PADDOCK_AVX2_KERNEL void score_block_avx2(const ForestArrays& forest, const float* values, std::size_t count,
                                          std::size_t columns, float* sums) {
  constexpr std::size_t kInternal = (std::size_t{1} << kDepth) - 1;
  constexpr std::size_t kLeaves = std::size_t{1} << kDepth;
  constexpr int kGroups = 8;
  constexpr std::size_t kWidth = 8;
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i lane_offsets = _mm256_mullo_epi32(lane, _mm256_set1_epi32(static_cast<int>(columns)));
  const __m256i all = _mm256_set1_epi32(-1);
  for (std::size_t t = 0; t < forest.trees; ++t) {
    const std::uint32_t* feature = forest.features + t * kInternal;
    const float* threshold = forest.thresholds + t * kInternal;
    const float* leaf = forest.leaves + t * kLeaves;
    std::size_t r = 0;
    for (; r + kGroups * kWidth <= count; r += kGroups * kWidth) {
      tree_avx2<kDepth, kGroups>(feature, threshold, leaf, values + r * columns, columns, lane_offsets, all, sums + r);
    }
    for (; r < count; r += kWidth) {  // the tail, a group at a time, the last one masked
      const int lanes = static_cast<int>(std::min(kWidth, count - r));
      const __m256i valid = _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), lane);
      tree_avx2<kDepth, 1>(feature, threshold, leaf, values + r * columns, columns, lane_offsets, valid, sums + r);
    }
  }
}

// AVX-512: 16 rows -----------------------------------------------------------------------------

struct Nodes512 {
  __m512i feature;
  __m512 threshold;
};

template <int kLevel>
PADDOCK_AVX512 Nodes512 level_nodes_avx512(const std::uint32_t* feature, const float* threshold, __m512i pos) {
  const std::uint32_t* f = feature + level_start(kLevel);
  const float* t = threshold + level_start(kLevel);
  if constexpr (kLevel <= 4) {  // up to 16 nodes: one register
    return {_mm512_permutexvar_epi32(pos, _mm512_loadu_si512(f)), _mm512_permutexvar_ps(pos, _mm512_loadu_ps(t))};
  } else if constexpr (kLevel == 5) {  // 32 nodes: two registers
    return {_mm512_permutex2var_epi32(_mm512_loadu_si512(f), pos, _mm512_loadu_si512(f + 16)),
            _mm512_permutex2var_ps(_mm512_loadu_ps(t), pos, _mm512_loadu_ps(t + 16))};
  } else {
    return {_mm512_i32gather_epi32(pos, f, 4), _mm512_i32gather_ps(pos, t, 4)};
  }
}

template <int kLevel, int kDepth, int kGroups>
PADDOCK_AVX512 void descend_avx512(const std::uint32_t* feature, const float* threshold, const float* rows,
                                   std::size_t group_stride, __m512i lane_offsets, __mmask16 last_valid,
                                   __m512i* pos) {
  if constexpr (kLevel < kDepth) {
#pragma GCC unroll 8
    for (int g = 0; g < kGroups; ++g) {
      const Nodes512 nodes = level_nodes_avx512<kLevel>(feature, threshold, pos[g]);
      const __m512i column = _mm512_and_si512(nodes.feature, _mm512_set1_epi32(static_cast<int>(kFeatureMask)));
      const __mmask16 valid = g + 1 < kGroups ? static_cast<__mmask16>(0xFFFF) : last_valid;
      const __m512 x = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), valid, _mm512_add_epi32(column, lane_offsets),
                                                rows + static_cast<std::size_t>(g) * group_stride, 4);
      // goes_right: (x >= t) | (default right & !(x < t)), false and true for NaN respectively.
      const __mmask16 at_or_above = _mm512_cmp_ps_mask(x, nodes.threshold, _CMP_GE_OQ);
      const __mmask16 not_below = _mm512_cmp_ps_mask(x, nodes.threshold, _CMP_NLT_UQ);
      const __mmask16 default_right = _mm512_cmplt_epi32_mask(nodes.feature, _mm512_setzero_si512());
      const auto right = static_cast<__mmask16>(at_or_above | (default_right & not_below));
      const __m512i twice = _mm512_add_epi32(pos[g], pos[g]);
      pos[g] = _mm512_mask_add_epi32(twice, right, twice, _mm512_set1_epi32(1));
    }
    descend_avx512<kLevel + 1, kDepth, kGroups>(feature, threshold, rows, group_stride, lane_offsets, last_valid, pos);
  }
}

template <int kDepth>
PADDOCK_AVX512 __m512 leaves_avx512(const float* leaf, __m512i pos) {
  if constexpr (kDepth <= 4) {
    return _mm512_permutexvar_ps(pos, _mm512_loadu_ps(leaf));
  } else if constexpr (kDepth == 5) {
    return _mm512_permutex2var_ps(_mm512_loadu_ps(leaf), pos, _mm512_loadu_ps(leaf + 16));
  } else if constexpr (kDepth == 6) {  // 64 leaves: two pairs of registers, chosen by bit 5 of pos
    const __m512 low = _mm512_permutex2var_ps(_mm512_loadu_ps(leaf), pos, _mm512_loadu_ps(leaf + 16));
    const __m512 high = _mm512_permutex2var_ps(_mm512_loadu_ps(leaf + 32), pos, _mm512_loadu_ps(leaf + 48));
    return _mm512_mask_blend_ps(_mm512_test_epi32_mask(pos, _mm512_set1_epi32(32)), low, high);
  } else {
    return _mm512_i32gather_ps(pos, leaf, 4);
  }
}

// kGroups groups of 16 rows from `rows` through one tree, all lanes valid but in the last
// group's `last_valid`; their leaves added to `sums`.
template <int kDepth, int kGroups>
PADDOCK_AVX512 void tree_avx512(const std::uint32_t* feature, const float* threshold, const float* leaf,
                                const float* rows, std::size_t columns, __m512i lane_offsets, __mmask16 last_valid,
                                float* sums) {
  __m512i pos[kGroups];
  for (int g = 0; g < kGroups; ++g) pos[g] = _mm512_setzero_si512();
  descend_avx512<0, kDepth, kGroups>(feature, threshold, rows, 16 * columns, lane_offsets, last_valid, pos);
#pragma GCC unroll 8
  for (int g = 0; g < kGroups; ++g) {
    float* out = sums + 16 * g;
    const __mmask16 valid = g + 1 < kGroups ? static_cast<__mmask16>(0xFFFF) : last_valid;
    _mm512_mask_storeu_ps(out, valid, _mm512_add_ps(_mm512_maskz_loadu_ps(valid, out), leaves_avx512<kDepth>(leaf, pos[g])));
  }
}

template <int kDepth>
PADDOCK_AVX512_KERNEL void score_block_avx512(const ForestArrays& forest, const float* values, std::size_t count,
                                              std::size_t columns, float* sums) {
  constexpr std::size_t kInternal = (std::size_t{1} << kDepth) - 1;
  constexpr std::size_t kLeaves = std::size_t{1} << kDepth;
  constexpr int kGroups = 8;
  constexpr std::size_t kWidth = 16;
  const __m512i lane = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  const __m512i lane_offsets = _mm512_mullo_epi32(lane, _mm512_set1_epi32(static_cast<int>(columns)));
  for (std::size_t t = 0; t < forest.trees; ++t) {
    const std::uint32_t* feature = forest.features + t * kInternal;
    const float* threshold = forest.thresholds + t * kInternal;
    const float* leaf = forest.leaves + t * kLeaves;
    std::size_t r = 0;
    for (; r + kGroups * kWidth <= count; r += kGroups * kWidth) {
      tree_avx512<kDepth, kGroups>(feature, threshold, leaf, values + r * columns, columns, lane_offsets,
                                   static_cast<__mmask16>(0xFFFF), sums + r);
    }
    for (; r < count; r += kWidth) {  // the tail, a group at a time, the last one masked
      const std::size_t lanes = std::min(kWidth, count - r);
      tree_avx512<kDepth, 1>(feature, threshold, leaf, values + r * columns, columns, lane_offsets,
                             static_cast<__mmask16>((1U << lanes) - 1U), sums + r);
    }
  }
}

#endif  // PADDOCK_X86_KERNELS

// The tables, one entry a depth ------------------------------------------------------------------

using BlockScorer = void (*)(const ForestArrays&, const float*, std::size_t, std::size_t, float*);
using ScorerTable = std::array<BlockScorer, kMaxDepth + 1>;

template <int... kDepths>
constexpr ScorerTable scalar_table(std::integer_sequence<int, kDepths...>) {
  return {&score_block_scalar<kDepths>...};
}
constexpr ScorerTable kScalar = scalar_table(std::make_integer_sequence<int, kMaxDepth + 1>());

#if PADDOCK_X86_KERNELS
template <int... kDepths>
constexpr ScorerTable avx2_table(std::integer_sequence<int, kDepths...>) {
  return {&score_block_avx2<kDepths>...};
}
template <int... kDepths>
constexpr ScorerTable avx512_table(std::integer_sequence<int, kDepths...>) {
  return {&score_block_avx512<kDepths>...};
}
constexpr ScorerTable kAvx2 = avx2_table(std::make_integer_sequence<int, kMaxDepth + 1>());
constexpr ScorerTable kAvx512 = avx512_table(std::make_integer_sequence<int, kMaxDepth + 1>());
#endif

}  // namespace

void score_block(ForestKernel kernel, const ForestArrays& forest, const float* values, std::size_t count,
                 std::size_t columns, float* sums) {
  const auto depth = static_cast<std::size_t>(forest.depth);
#if PADDOCK_X86_KERNELS
  if (kernel == ForestKernel::kAvx512) return kAvx512[depth](forest, values, count, columns, sums);
  if (kernel == ForestKernel::kAvx2) return kAvx2[depth](forest, values, count, columns, sums);
#endif
  (void)kernel;
  kScalar[depth](forest, values, count, columns, sums);
}

}  // namespace detail

std::string_view forest_kernel_name(ForestKernel kernel) {
  switch (kernel) {
    case ForestKernel::kScalar: return "scalar";
    case ForestKernel::kAvx2: return "AVX2";
    case ForestKernel::kAvx512: return "AVX-512";
  }
  return "scalar";
}

bool forest_kernel_supported(ForestKernel kernel) {
  if (kernel == ForestKernel::kScalar) return true;
#if PADDOCK_X86_KERNELS
  // GCC's checks include the operating system's support of the wider registers (XGETBV).
  __builtin_cpu_init();
  if (kernel == ForestKernel::kAvx2) return __builtin_cpu_supports("avx2") != 0;
  if (kernel == ForestKernel::kAvx512) return __builtin_cpu_supports("avx512f") != 0;
#endif
  return false;
}

ForestKernel best_forest_kernel() {
  if (forest_kernel_supported(ForestKernel::kAvx512)) return ForestKernel::kAvx512;
  if (forest_kernel_supported(ForestKernel::kAvx2)) return ForestKernel::kAvx2;
  return ForestKernel::kScalar;
}

}  // namespace paddock
