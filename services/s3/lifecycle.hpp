// Bucket lifecycle rules acted on, on the service clock: current objects expire after their
// rule's Days (counted from the write, rounded up to the next midnight UTC, as S3 counts) or
// from its Date on, and incomplete multipart uploads are aborted DaysAfterInitiation after they
// began. In a versioned bucket, expiring a current object puts a delete marker on it;
// noncurrent versions expire NoncurrentDays after they were superseded (the newest
// NewerNoncurrentVersions kept), and ExpiredObjectDeleteMarker removes a delete marker with
// nothing under it. Filters by prefix, tags and object size apply. Expirations are announced
// to the bucket's notification targets as LifecycleExpiration:Delete (or
// :DeleteMarkerCreated). Transitions change nothing (fogbank has one storage tier).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "emulator/scheduler.hpp"
#include "services/s3/notifications.hpp"
#include "services/s3/store.hpp"

namespace fogbank::s3 {

struct LifecycleRule;

class Lifecycle {
  public:
    Lifecycle(Store& store, Notifications& notifications);
    // A bucket's lifecycle configuration was set: sweeps run once a second while any bucket
    // has one, and stop when none has.
    void wake();
    void reset();
    // One sweep of every bucket, now (the scheduler's job; tests call it directly).
    void sweep();

  private:
    void sweep_bucket(const std::string& bucket, const std::string& document);
    void sweep_versions(const BucketRecord& b, const LifecycleRule& r, int64_t now);
    void announce(const BucketRecord& b, const std::string& key, const std::string& version_id,
                  const char* name);

    Store& store_;
    Notifications& notifications_;
    std::mutex mu_;
    bool running_ = false;
    // Per bucket, the configuration and the day of its last full sweep: a Days rule can only
    // catch more objects once the day changes (or the rules do).
    std::map<std::string, std::string> swept_;
    Scheduler background_{"s3 lifecycle"};  // last: its thread stops before the rest goes
};

}  // namespace fogbank::s3
