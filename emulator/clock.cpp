#include "emulator/clock.hpp"

#include <atomic>
#include <cstdint>

namespace fogbank {

namespace {
std::atomic<int64_t> g_clock_offset_ms{0};
}

TimePoint wall_now_ms() {
    return std::chrono::time_point_cast<std::chrono::milliseconds>(Clock::now());
}

TimePoint now_ms() {
    return wall_now_ms() + std::chrono::milliseconds(g_clock_offset_ms.load());
}

void advance_clock(std::chrono::milliseconds by) {
    g_clock_offset_ms += by.count();
}

std::chrono::milliseconds clock_offset() {
    return std::chrono::milliseconds(g_clock_offset_ms.load());
}

void reset_clock() {
    g_clock_offset_ms = 0;
}

}  // namespace fogbank
