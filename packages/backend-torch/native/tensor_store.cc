#include "tensor_store.h"

#include <stdexcept>
#include <string>

int32_t TensorStore::add(at::Tensor tensor) {
  if (tensor.has_storage()) {
    const void* storage = tensor.storage().unsafeGetStorageImpl();
    if (storage_users_[storage]++ == 0) bytes_ += static_cast<int64_t>(tensor.storage().nbytes());
  }
  live_ += 1;
  if (!free_ids_.empty()) {
    const int32_t id = free_ids_.back();
    free_ids_.pop_back();
    tensors_[id] = std::move(tensor);
    return id;
  }
  tensors_.push_back(std::move(tensor));
  return static_cast<int32_t>(tensors_.size() - 1);
}

const at::Tensor& TensorStore::get(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= tensors_.size() || !tensors_[id].defined()) {
    throw std::invalid_argument("no tensor with id " + std::to_string(id) + " (disposed already?)");
  }
  return tensors_[id];
}

void TensorStore::remove(int32_t id) {
  const at::Tensor& tensor = get(id);
  if (tensor.has_storage()) {
    const void* storage = tensor.storage().unsafeGetStorageImpl();
    auto users = storage_users_.find(storage);
    if (users != storage_users_.end() && --users->second == 0) {
      bytes_ -= static_cast<int64_t>(tensor.storage().nbytes());
      storage_users_.erase(users);
    }
  }
  tensors_[id] = at::Tensor();
  free_ids_.push_back(id);
  live_ -= 1;
}
