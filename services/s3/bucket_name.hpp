// S3's bucket naming rules (general purpose buckets).
#pragma once

#include <string_view>

namespace fogbank::s3 {

// 3-63 characters of a-z 0-9 . -; begins and ends with a letter or digit; no "..", no
// IP-address form; not prefixed xn--, sthree-, amzn-s3-demo-; not suffixed -s3alias,
// --ol-s3, .mrap, --x-s3, --table-s3.
bool valid_bucket_name(std::string_view name);

}  // namespace fogbank::s3
