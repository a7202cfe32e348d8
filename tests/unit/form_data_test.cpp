#include "emulator/form_data.hpp"

#include <gtest/gtest.h>

using namespace fogbank;
using namespace std::string_literals;

namespace {

std::string_view content(std::string_view body, const form_data::Part& p) {
    return body.substr(p.offset, p.length);
}

}  // namespace

TEST(FormData, Boundary) {
    EXPECT_EQ(form_data::boundary_of("multipart/form-data; boundary=abc"), "abc");
    EXPECT_EQ(form_data::boundary_of("Multipart/Form-Data;boundary=\"a b\""), "a b");
    EXPECT_EQ(form_data::boundary_of("multipart/form-data; charset=utf-8; boundary=x1"), "x1");
    EXPECT_FALSE(form_data::boundary_of("multipart/mixed; boundary=abc"));
    EXPECT_FALSE(form_data::boundary_of("multipart/form-data"));
    EXPECT_FALSE(form_data::boundary_of("multipart/form-data; boundary="));
    EXPECT_FALSE(form_data::boundary_of("multipart/form-data; boundary=" + std::string(71, 'b')));
    EXPECT_FALSE(form_data::boundary_of("multipart/form-data; boundary=\"unterminated"));
}

TEST(FormData, FieldsAndFile) {
    std::string body =
        "preamble to ignore\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nusers/${filename}\r\n"
        "--XyZ\r\ncontent-disposition: form-data; name=\"empty\"\r\n\r\n\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".jpg\"\r\n"
        "Content-Type: image/jpeg\r\n\r\n\r\n-XyZ --Xy\r\n\x00\xff\r\n"
        "--XyZ--\r\nepilogue"s;
    auto form = form_data::parse(body, "XyZ");
    ASSERT_EQ(form.error, form_data::Error::none);
    ASSERT_EQ(form.parts.size(), 3u);
    EXPECT_EQ(form.parts[0].name, "key");
    EXPECT_FALSE(form.parts[0].filename);
    EXPECT_EQ(content(body, form.parts[0]), "users/${filename}");
    EXPECT_EQ(content(body, form.parts[1]), "");
    EXPECT_EQ(form.parts[2].filename, "a \"b\".jpg");
    EXPECT_EQ(form.parts[2].content_type, "image/jpeg");
    // The content runs to the CRLF before the next delimiter, bytes of every value kept.
    EXPECT_EQ(content(body, form.parts[2]), "\r\n-XyZ --Xy\r\n\x00\xff"s);
}

TEST(FormData, Refusals) {
    auto bad = [](const std::string& body) { return form_data::parse(body, "b").error; };
    using form_data::Error;
    EXPECT_EQ(bad(""), Error::malformed);
    EXPECT_EQ(bad("no delimiter at all"), Error::malformed);
    // Unterminated part, missing Content-Disposition, missing name, other disposition.
    EXPECT_EQ(bad("--b\r\nContent-Disposition: form-data; name=\"k\"\r\n\r\nvalue"),
              Error::malformed);
    EXPECT_EQ(bad("--b\r\nContent-Type: text/plain\r\n\r\nv\r\n--b--"), Error::malformed);
    EXPECT_EQ(bad("--b\r\nContent-Disposition: form-data\r\n\r\nv\r\n--b--"), Error::malformed);
    EXPECT_EQ(bad("--b\r\nContent-Disposition: attachment; name=k\r\n\r\nv\r\n--b--"),
              Error::malformed);
    EXPECT_EQ(bad("--bjunk"), Error::malformed);
    // The boundary inside a part's content ends it: what follows must be a delimiter's end.
    EXPECT_EQ(bad("--b\r\nContent-Disposition: form-data; name=k\r\n\r\nx\r\n--bx\r\n--b--"),
              Error::malformed);
    // A header block without its blank line, past the bound.
    EXPECT_EQ(bad("--b\r\nContent-Disposition: form-data; name=k\r\nX: " + std::string(20000, 'x')),
              Error::malformed);
    std::string many;
    for (int i = 0; i < 5; ++i)
        many += "--b\r\nContent-Disposition: form-data; name=k\r\n\r\nv\r\n";
    many += "--b--";
    form_data::Limits limits;
    limits.max_parts = 4;
    EXPECT_EQ(form_data::parse(many, "b", limits).error, Error::too_many_parts);
    EXPECT_EQ(form_data::parse(many, "b").parts.size(), 5u);
}
