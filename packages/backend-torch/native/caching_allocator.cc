#include "caching_allocator.h"

#include <c10/core/CPUAllocator.h>
#include <c10/core/impl/alloc_cpu.h>

namespace {

// Rounded to whole pages, so tensors whose sizes differ by a few elements share blocks.
size_t roundedSize(size_t bytes) {
  constexpr size_t page = 4096;
  return (bytes + page - 1) / page * page;
}

}  // namespace

CachingCpuAllocator& CachingCpuAllocator::instance() {
  // Never destroyed: tensors still alive at exit free into it from static destructors.
  static auto* allocator = new CachingCpuAllocator(0);
  return *allocator;
}

void CachingCpuAllocator::install(size_t limitBytes) {
  CachingCpuAllocator& allocator = instance();
  allocator.setLimit(limitBytes);
  // Priority above the default allocator's (0); tensors made before keep their own deleter.
  c10::SetCPUAllocator(&allocator, /*priority=*/1);
}

c10::DataPtr CachingCpuAllocator::allocate(size_t bytes) const {
  const c10::Device device(c10::DeviceType::CPU);
  if (bytes == 0) return {nullptr, nullptr, &release, device};
  // Small blocks are left to malloc outright: no lock, no bookkeeping on the common path. Their
  // deleter is free_cpu; raw_deallocate (which calls `release`) finds no entry and frees them too.
  if (bytes < kMinimumCachedBytes) {
    void* data = c10::alloc_cpu(bytes);
    return {data, data, &c10::free_cpu, device};
  }
  const size_t size = roundedSize(bytes);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto blocks = free_blocks_.find(size);
    if (blocks != free_blocks_.end() && !blocks->second.empty()) {
      void* data = blocks->second.back();
      blocks->second.pop_back();
      cached_bytes_ -= size;
      return {data, data, &release, device};
    }
  }
  void* data = c10::alloc_cpu(size);
  std::lock_guard<std::mutex> lock(mutex_);
  sizes_[data] = size;
  return {data, data, &release, device};
}

void CachingCpuAllocator::release(void* data) {
  if (data != nullptr) instance().releaseBlock(data);
}

void CachingCpuAllocator::releaseBlock(void* data) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto entry = sizes_.find(data);
    if (entry != sizes_.end()) {
      const size_t size = entry->second;
      if (cached_bytes_ + size <= limit_bytes_) {
        free_blocks_[size].push_back(data);
        cached_bytes_ += size;
        return;
      }
      sizes_.erase(entry);
    }
  }
  c10::free_cpu(data);
}

size_t CachingCpuAllocator::cachedBytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return cached_bytes_;
}

void CachingCpuAllocator::emptyCache() const {
  std::vector<void*> released;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_blocks_) {
      for (void* data : blocks) {
        sizes_.erase(data);
        released.push_back(data);
      }
    }
    free_blocks_.clear();
    cached_bytes_ = 0;
  }
  for (void* data : released) c10::free_cpu(data);
}

void CachingCpuAllocator::setLimit(size_t limitBytes) const {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    limit_bytes_ = limitBytes;
    if (cached_bytes_ <= limit_bytes_) return;
  }
  emptyCache();
}
