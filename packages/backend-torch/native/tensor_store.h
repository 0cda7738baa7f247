// Tensors held for JavaScript, by small integer id. tfjs keeps one id per data buffer; the store
// keeps the at::Tensor alive until tfjs disposes it, and counts the bytes of the storages it
// holds (a view shares its base's storage, so the bytes are counted once).
#pragma once

#include <ATen/ATen.h>

#include <cstdint>
#include <unordered_map>
#include <vector>

class TensorStore {
 public:
  int32_t add(at::Tensor tensor);
  const at::Tensor& get(int32_t id) const;
  void remove(int32_t id);
  int64_t liveTensors() const { return live_; }
  int64_t liveBytes() const { return bytes_; }

 private:
  std::vector<at::Tensor> tensors_;  // index = id; an undefined tensor marks a free slot
  std::vector<int32_t> free_ids_;
  std::unordered_map<const void*, int64_t> storage_users_;  // StorageImpl* -> ids using it
  int64_t live_ = 0;
  int64_t bytes_ = 0;
};
