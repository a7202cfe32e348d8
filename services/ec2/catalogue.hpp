// What a launch script looks up before RunInstances: images, instance types, regions, zones,
// and each account's default VPC with its subnet and security group. Every image runs the same
// way (a process on this machine, with its software); the catalogue exists so that scripts
// which name an AMI, or look one up by name, run unchanged.
#pragma once

#include <string>
#include <vector>

namespace fogbank::ec2 {

struct Image {
    const char* id;
    const char* name;
    const char* description;
    const char* owner_alias;  // "amazon" for the public ones
};
const std::vector<Image>& images();
const Image* find_image(const std::string& id);

struct InstanceType {
    const char* name;
    int vcpus;
    int memory_mib;
};
const std::vector<InstanceType>& instance_types();
const InstanceType* find_instance_type(const std::string& name);

struct Network {
    std::string vpc_id, subnet_id, security_group_id;
};
// Derived from the account and region, so that it is the same on every start.
const Network& default_network(const std::string& account, const std::string& region);

extern const std::vector<std::string> kRegions;

}  // namespace fogbank::ec2
