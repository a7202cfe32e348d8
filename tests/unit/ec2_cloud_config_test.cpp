// cloud-init's #cloud-config as fogbank runs it: write_files beneath the instance's root,
// bootcmd and runcmd as shell lines, and refusals for what cloud-init would refuse.
#include <gtest/gtest.h>

#include "services/ec2/cloud_config.hpp"

using namespace fogbank::ec2;

namespace {

TEST(Ec2CloudConfig, FilesAndCommands) {
    std::string doc = R"(#cloud-config
write_files:
  - path: /opt/app/config.json
    content: '{"queue": "requests"}'
    permissions: '0600'
  - path: //opt/./app/blob
    encoding: b64
    content: aGVsbG8=
    append: true
bootcmd:
  - echo booting
runcmd:
  - [python3, /opt/app/worker.py, "it's"]
  - echo done
packages: [python3-boto3]
)";
    EXPECT_TRUE(is_cloud_config(doc));
    std::string error;
    auto c = parse_cloud_config(doc, error);
    ASSERT_TRUE(c) << error;
    ASSERT_EQ(c->files.size(), 2u);
    EXPECT_EQ(c->files[0].path, "opt/app/config.json");
    EXPECT_EQ(c->files[0].content, R"({"queue": "requests"})");
    EXPECT_EQ(c->files[0].mode, 0600u);
    EXPECT_EQ(c->files[1].path, "opt/app/blob");
    EXPECT_EQ(c->files[1].content, "hello");
    EXPECT_TRUE(c->files[1].append);
    EXPECT_EQ(c->bootcmd, (std::vector<std::string>{"echo booting"}));
    EXPECT_EQ(c->runcmd,
              (std::vector<std::string>{"'python3' '/opt/app/worker.py' 'it'\\''s'", "echo done"}));
    EXPECT_EQ(c->skipped, (std::vector<std::string>{"packages"}));
    std::string script = cloud_config_script(*c);
    EXPECT_LT(script.find("echo booting"), script.find("echo done"));
    EXPECT_NE(script.find("module packages is not run"), std::string::npos);
}

TEST(Ec2CloudConfig, WhatCloudInitWouldRefuseIsRefused) {
    EXPECT_FALSE(is_cloud_config("#!/bin/sh\n"));
    EXPECT_TRUE(is_cloud_config("#cloud-config\r\n"));
    for (const char* bad : {
             "#cloud-config\nwrite_files:\n  - path: /a/../../etc/passwd\n    content: x\n",
             "#cloud-config\nwrite_files:\n  - path: relative\n",
             "#cloud-config\nwrite_files:\n  - content: no path\n",
             "#cloud-config\nwrite_files:\n  - path: /x\n    encoding: b64\n    content: '%%'\n",
             "#cloud-config\nwrite_files:\n  - path: /x\n    encoding: gzip\n",
             "#cloud-config\nwrite_files:\n  - path: /x\n    permissions: '0999'\n",
             "#cloud-config\nruncmd: echo not a list\n",
             "#cloud-config\nruncmd:\n  - {a: b}\n",
             "#cloud-config\n- just\n- a list\n",
             "#cloud-config\nruncmd: [unclosed\n",
         }) {
        std::string error;
        EXPECT_FALSE(parse_cloud_config(bad, error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
    std::string error;
    EXPECT_FALSE(parse_cloud_config("#cloud-config\nruncmd: " + std::string(5000, '['), error));
    EXPECT_EQ(error, "the document is nested too deeply");
    EXPECT_TRUE(parse_cloud_config("#cloud-config\n", error));
}

}  // namespace
