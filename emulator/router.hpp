// Which service is being asked? In order: the SigV4 credential scope (Authorization header or
// presigned X-Amz-Credential), X-Amz-Target, the path, the host; S3 catches the rest, as the
// only service whose requests may carry none of those.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "emulator/config.hpp"
#include "emulator/service.hpp"

namespace fogbank {

class Router {
  public:
    explicit Router(const Config& cfg);
    // Services go in the reverse of the order they were added: one added later may use an
    // earlier one through its hooks (Lambda's event sources poll SQS), and must stop first.
    ~Router();
    void add(std::unique_ptr<Service> service);
    Service& pick(const RequestHead& head) const;
    std::vector<Service*> services() const;

  private:
    Service* find(std::string_view name) const;
    Service& named_or_unavailable(std::string_view name) const;

    std::vector<std::unique_ptr<Service>> services_;
    // Every request looks its service up by name: a map, not a walk of virtual name()s.
    std::map<std::string, Service*, std::less<>> by_name_;
    std::map<std::string, std::unique_ptr<Service>, std::less<>> unavailable_;
};

// The wire name of a service an AWS client may ask for but fogbank does not serve (yet):
// answers every request with a JSON error that says so, never a silent fallback to S3.
std::unique_ptr<Service> make_unavailable_service(std::string name);

}  // namespace fogbank
