#include "services/s3/conditions.hpp"

#include <gtest/gtest.h>

using namespace fogbank;
using namespace fogbank::s3;

TEST(Range, Table) {
    struct Case {
        const char* header;
        uint64_t size;
        RangeStatus status;
        uint64_t first, last;
    };
    const Case cases[] = {
        {"bytes=0-9", 100, RangeStatus::partial, 0, 9},
        {"bytes=90-", 100, RangeStatus::partial, 90, 99},
        {"bytes=-10", 100, RangeStatus::partial, 90, 99},
        {"bytes=-1000", 100, RangeStatus::partial, 0, 99},
        {"bytes=50-5000", 100, RangeStatus::partial, 50, 99},
        {"bytes=100-", 100, RangeStatus::unsatisfiable, 0, 0},
        {"bytes=-0", 100, RangeStatus::unsatisfiable, 0, 0},
        {"bytes=0-", 0, RangeStatus::unsatisfiable, 0, 0},
        {"bytes=9-1", 100, RangeStatus::whole, 0, 0},
        {"bytes=0-1,5-6", 100, RangeStatus::whole, 0, 0},
        {"items=0-1", 100, RangeStatus::whole, 0, 0},
        {"bytes=a-b", 100, RangeStatus::whole, 0, 0},
    };
    for (auto& c : cases) {
        auto d = decide_range(c.header, c.size);
        EXPECT_EQ(d.status, c.status) << c.header;
        if (c.status == RangeStatus::partial) {
            EXPECT_EQ(d.range.first, c.first) << c.header;
            EXPECT_EQ(d.range.last, c.last) << c.header;
        }
    }
}

TEST(Preconditions, S3Pairings) {
    auto lm = *parse_http_date("Fri, 24 May 2013 00:00:00 GMT");
    auto now = lm + std::chrono::hours(24);
    auto before = lm - std::chrono::hours(1);
    auto after = lm + std::chrono::hours(1);
    const std::string etag = "abc";
    auto eval = [&](Preconditions p) { return evaluate(p, etag, lm, now); };
    EXPECT_EQ(eval({}), Outcome::proceed);
    EXPECT_EQ(eval({.if_match = "\"abc\""}), Outcome::proceed);
    EXPECT_EQ(eval({.if_match = "\"x\", \"abc\""}), Outcome::proceed);
    EXPECT_EQ(eval({.if_match = "*"}), Outcome::proceed);
    EXPECT_EQ(eval({.if_match = "\"x\""}), Outcome::failed);
    EXPECT_EQ(eval({.if_none_match = "\"abc\""}), Outcome::not_modified);
    EXPECT_EQ(eval({.if_none_match = "\"x\""}), Outcome::proceed);
    EXPECT_EQ(eval({.if_modified_since = after}), Outcome::not_modified);
    EXPECT_EQ(eval({.if_modified_since = before}), Outcome::proceed);
    EXPECT_EQ(eval({.if_unmodified_since = before}), Outcome::failed);
    EXPECT_EQ(eval({.if_unmodified_since = after}), Outcome::proceed);
    // If-Match true + If-Unmodified-Since false -> 200; If-None-Match false + If-Modified-Since
    // true -> 304.
    EXPECT_EQ(eval({.if_match = "\"abc\"", .if_unmodified_since = before}), Outcome::proceed);
    EXPECT_EQ(eval({.if_none_match = "\"abc\"", .if_modified_since = before}),
              Outcome::not_modified);
    // If-None-Match false wins over a true If-Modified-Since check.
    EXPECT_EQ(eval({.if_none_match = "\"x\"", .if_modified_since = after}), Outcome::proceed);
    // A future If-Modified-Since is not a validator.
    EXPECT_EQ(evaluate({.if_modified_since = now + std::chrono::hours(1)}, etag, lm, now),
              Outcome::proceed);
}
