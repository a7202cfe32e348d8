#include "services/ec2/catalogue.hpp"

#include <map>
#include <mutex>

#include "emulator/crypto.hpp"

namespace fogbank::ec2 {

const std::vector<Image>& images() {
    static const std::vector<Image> list = {
        {"ami-0f0b0a0c0000de12a", "fogbank-local-debian-12",
         "This machine's environment: UserData runs as a local process with the software "
         "installed here",
         "amazon"},
        {"ami-0f0b0a0c0000a2023", "al2023-ami-2023.6-kernel-6.1-x86_64",
         "Amazon Linux 2023, emulated by fogbank as a local process on this machine", "amazon"},
        {"ami-0f0b0a0c0000b2204", "ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-amd64-server",
         "Ubuntu 22.04, emulated by fogbank as a local process on this machine", "amazon"},
    };
    return list;
}

const Image* find_image(const std::string& id) {
    for (auto& i : images())
        if (id == i.id) return &i;
    return nullptr;
}

const std::vector<InstanceType>& instance_types() {
    static const std::vector<InstanceType> list = {
        {"t2.nano", 1, 512},       {"t2.micro", 1, 1024},  {"t2.small", 1, 2048},
        {"t2.medium", 2, 4096},    {"t3.nano", 2, 512},    {"t3.micro", 2, 1024},
        {"t3.small", 2, 2048},     {"t3.medium", 2, 4096}, {"t3.large", 2, 8192},
        {"m1.small", 1, 1740},     {"m5.large", 2, 8192},  {"m5.xlarge", 4, 16384},
        {"c5.large", 2, 4096},     {"c5.xlarge", 4, 8192}, {"r5.large", 2, 16384},
        {"g4dn.xlarge", 4, 16384},
    };
    return list;
}

const InstanceType* find_instance_type(const std::string& name) {
    for (auto& t : instance_types())
        if (name == t.name) return &t;
    return nullptr;
}

const Network& default_network(const std::string& account, const std::string& region) {
    static std::mutex mu;
    static std::map<std::string, Network> made;
    std::lock_guard lock(mu);
    auto key = account + "/" + region;
    auto it = made.find(key);
    if (it == made.end()) {
        std::string h = sha256_hex(key);
        it = made.emplace(key, Network{"vpc-" + h.substr(0, 17), "subnet-" + h.substr(17, 17),
                                       "sg-" + h.substr(34, 17)})
                 .first;
    }
    return it->second;
}

const std::vector<std::string> kRegions = {
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",
    "eu-west-1",      "eu-west-2",      "eu-west-3",      "eu-central-1",
    "eu-north-1",     "ap-south-1",     "ap-northeast-1", "ap-northeast-2",
    "ap-southeast-1", "ap-southeast-2", "ca-central-1",   "sa-east-1",
};

}  // namespace fogbank::ec2
