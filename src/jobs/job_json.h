// The JSON form of a job's status, for programs: `paddock jobs ... --json` prints it, and the
// web API and the Python module return the same fields. The field names are stable and
// documented in docs/api.md; new fields may be added, none renamed or removed.
#pragma once

#include <nlohmann/json.hpp>

#include "jobs/batch_job_manager.h"

namespace paddock {

nlohmann::json to_json(const BatchJobStatus& status);

}  // namespace paddock
