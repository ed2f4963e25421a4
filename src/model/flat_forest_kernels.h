// The descents of the flat forest: a block of rows through every tree, adding each tree's leaf
// to the rows' sums, in one of three instruction sets that give the same floats.
//
// All three make XGBoost's test at each node (go right unless x < threshold; a missing x, NaN,
// goes the node's default way) and add the leaves in tree order, one float addition per tree
// and row, so a row's sum is the same float whichever kernel computed it. The scalar kernel
// runs everywhere; the AVX2 kernel takes 8 rows at a time and the AVX-512 kernel 16, eight
// such groups side by side so that their gathers overlap: the nodes of a tree's upper levels
// are picked from registers by permutes, deeper ones and the feature values are gathered. The vector kernels are compiled for their instruction set
// function by function (GCC's target attribute), so the build stays portable, and they are
// used only when the CPU has it (`forest_kernel_supported`).
//
// Internal to the model module: FlatForest is the interface.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace paddock {

enum class ForestKernel { kScalar, kAvx2, kAvx512 };

// "scalar", "AVX2", "AVX-512".
std::string_view forest_kernel_name(ForestKernel kernel);
// Whether this build has the kernel and this CPU (and its operating system) can run it.
bool forest_kernel_supported(ForestKernel kernel);
// The widest supported kernel.
ForestKernel best_forest_kernel();

namespace detail {

// The node word's top bit: a missing value goes right at this node.
inline constexpr std::uint32_t kDefaultRight = 0x80000000U;
inline constexpr std::uint32_t kFeatureMask = 0x7FFFFFFFU;
// Elements after the last tree in each array, readable (zeros) so that the vector kernels
// can load a whole register at any level's first node.
inline constexpr std::size_t kForestPadding = 16;

// A flat forest's arrays: per tree, its 2^depth - 1 internal nodes in level order (feature
// word and threshold) and its 2^depth leaves; each array followed by kForestPadding elements.
struct ForestArrays {
  const std::uint32_t* features = nullptr;
  const float* thresholds = nullptr;
  const float* leaves = nullptr;
  std::size_t trees = 0;
  int depth = 0;
};

// Rows [0, count) of `values` (row-major, `columns` floats a row) through every tree, adding
// into sums[0, count). `depth` is at most FlatForest::kMaxDepth; `kernel` must be supported.
void score_block(ForestKernel kernel, const ForestArrays& forest, const float* values, std::size_t count,
                 std::size_t columns, float* sums);

}  // namespace detail
}  // namespace paddock
