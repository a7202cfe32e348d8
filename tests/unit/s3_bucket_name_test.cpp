#include "services/s3/bucket_name.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

using fogbank::s3::valid_bucket_name;

TEST(BucketName, Valid) {
    for (const std::string& n : std::vector<std::string>{"abc", "my-bucket", "my.bucket.name",
                                                         "a1b2c3", "123", std::string(63, 'a')})
        EXPECT_TRUE(valid_bucket_name(n)) << n;
}

TEST(BucketName, Invalid) {
    for (const std::string& n : std::vector<std::string>{
             "ab", "Abc", "a_b", "-abc", "abc-", ".abc", "abc.", "a..b", "192.168.1.1", "xn--abc",
             "sthree-abc", "abc-s3alias", "abc--ol-s3", "abc.mrap", "abc--x-s3", "a b", "",
             std::string(64, 'a')})
        EXPECT_FALSE(valid_bucket_name(n)) << n;
}
