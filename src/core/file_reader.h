// Reading a whole input file (a CSV, a PMU JSON, a model's meta.json) as text, with every
// failure an Error that names the file: it does not exist, it is a directory or another kind
// of file that is not a regular one, it is larger than the caller accepts, or the system
// refused to read it (with errno's text). Never throws: std::ifstream on a directory throws
// std::ios_base::failure from libstdc++, which is why input files are read here.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "core/error.h"

namespace paddock {

// The largest input file read by default: 1 GiB, far above any real CSV or PMU day.
inline constexpr std::size_t kMaxInputFileBytes = std::size_t{1} << 30;

// The file's bytes. Errors: kNotFound (no such file), kInvalidArgument (a directory, a device,
// or larger than `max_bytes`), kIo (permission denied, read error).
Result<std::string> read_file(const std::filesystem::path& path, std::size_t max_bytes = kMaxInputFileBytes);

// kOk when `path` is an existing regular file (or a symbolic link to one); the same errors as
// read_file otherwise. For callers that hand a path to a library that opens it (XGBoost).
Status check_regular_file(const std::filesystem::path& path);

}  // namespace paddock
