// The service clock: wall time plus an offset that POST /_fogbank/clock can advance, so tests
// can watch retention periods, TTLs and schedules run out without waiting for them.
// Signatures are checked against wall_now_ms(), since clients sign with the real time.
#pragma once

#include <chrono>
#include <cstdint>

namespace fogbank {

using Clock = std::chrono::system_clock;
using TimePoint = std::chrono::time_point<Clock, std::chrono::milliseconds>;

TimePoint now_ms();
TimePoint wall_now_ms();
void advance_clock(std::chrono::milliseconds by);
std::chrono::milliseconds clock_offset();
void reset_clock();
// now_ms() as milliseconds since the epoch, the form stores keep.
inline int64_t now_epoch_ms() {
    return now_ms().time_since_epoch().count();
}

}  // namespace fogbank
