// The Node-API surface of @tessera/backend-torch: tensor storage (write, read, dispose, memory)
// and one generic entry point that calls any ATen operator by name and overload through the
// c10 dispatcher with boxed arguments. Which operator implements which tfjs kernel is decided in
// TypeScript (src/kernels/*); nothing here knows about tfjs kernels.
#include <napi.h>

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/core/dispatch/Dispatcher.h>
#include <c10/core/InferenceMode.h>
#include <torch/version.h>

#include <dlfcn.h>

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <vector>

#include "caching_allocator.h"
#include "tensor_store.h"

namespace {

TensorStore store;
std::vector<c10::OperatorHandle> operators;  // index = the handle TypeScript caches
// Output metadata goes into a Float64Array shared with JavaScript, so a call allocates no JS
// objects: [outputCount, then per output: id, dtypeCode, rank, ...dims].
double* metadata = nullptr;
size_t metadataLength = 0;
Napi::ObjectReference metadataReference;

// The dtype codes TypeScript reads (src/native.ts): tfjs dtypes first, then ATen-only ones that
// TypeScript reports as the nearest tfjs dtype and `read` converts. bfloat16 appears only inside
// kernels under bf16-mixed precision (src/kernels/mixed-precision.ts), which cast back to float32.
enum DtypeCode { kFloat32 = 0, kInt32 = 1, kBool = 2, kInt64 = 3, kFloat64 = 4, kBFloat16 = 5, kOther = 6 };

DtypeCode dtypeCode(at::ScalarType type) {
  switch (type) {
    case at::kFloat: return kFloat32;
    case at::kInt: return kInt32;
    case at::kBool: return kBool;
    case at::kLong: return kInt64;
    case at::kDouble: return kFloat64;
    case at::kBFloat16: return kBFloat16;
    default: return kOther;
  }
}

at::ScalarType scalarTypeFromName(const std::string& name) {
  if (name == "float32") return at::kFloat;
  if (name == "int32") return at::kInt;
  if (name == "bool") return at::kBool;
  if (name == "int64") return at::kLong;
  if (name == "float64") return at::kDouble;
  if (name == "uint8") return at::kByte;
  if (name == "bfloat16") return at::kBFloat16;
  throw std::invalid_argument("unknown dtype '" + name + "' (float32, int32, bool, int64, float64, uint8, bfloat16)");
}

int64_t toInt(const Napi::Value& value) {
  if (value.IsString()) return static_cast<int64_t>(scalarTypeFromName(value.As<Napi::String>().Utf8Value()));
  if (value.IsBoolean()) return value.As<Napi::Boolean>().Value() ? 1 : 0;
  return value.As<Napi::Number>().Int64Value();
}

// Converts one JavaScript argument to the IValue the operator's schema expects: tensors are ids,
// numbers become int/float/Scalar by the declared type, arrays become lists, null is None.
c10::IValue toIValue(const Napi::Value& value, const c10::TypePtr& type) {
  switch (type->kind()) {
    case c10::TypeKind::TensorType:
      return store.get(value.As<Napi::Number>().Int32Value());
    case c10::TypeKind::IntType:
    case c10::TypeKind::SymIntType:
      return toInt(value);
    case c10::TypeKind::FloatType:
      return value.As<Napi::Number>().DoubleValue();
    case c10::TypeKind::BoolType:
      return value.ToBoolean().Value();
    case c10::TypeKind::NumberType: {  // Scalar: keep integers integral so int tensors stay int
      if (value.IsBoolean()) return value.As<Napi::Boolean>().Value();
      const double number = value.As<Napi::Number>().DoubleValue();
      const double integral = static_cast<double>(static_cast<int64_t>(number));
      if (integral == number && std::abs(number) < 9.0e15) return static_cast<int64_t>(number);
      return number;
    }
    case c10::TypeKind::StringType:
      return value.As<Napi::String>().Utf8Value();
    case c10::TypeKind::DeviceObjType:
      return c10::Device(value.As<Napi::String>().Utf8Value());
    case c10::TypeKind::OptionalType:
      if (value.IsNull() || value.IsUndefined()) return c10::IValue();
      return toIValue(value, type->castRaw<c10::OptionalType>()->getElementType());
    case c10::TypeKind::ListType: {
      const c10::TypePtr element = type->castRaw<c10::ListType>()->getElementType();
      const Napi::Array array = value.As<Napi::Array>();
      const uint32_t length = array.Length();
      switch (element->kind()) {
        case c10::TypeKind::TensorType: {
          c10::List<at::Tensor> list;
          list.reserve(length);
          for (uint32_t i = 0; i < length; i++) list.push_back(store.get(array.Get(i).As<Napi::Number>().Int32Value()));
          return list;
        }
        case c10::TypeKind::IntType:
        case c10::TypeKind::SymIntType: {
          std::vector<int64_t> list(length);
          for (uint32_t i = 0; i < length; i++) list[i] = toInt(array.Get(i));
          return list;
        }
        case c10::TypeKind::FloatType: {
          std::vector<double> list(length);
          for (uint32_t i = 0; i < length; i++) list[i] = array.Get(i).As<Napi::Number>().DoubleValue();
          return list;
        }
        case c10::TypeKind::BoolType: {
          c10::List<bool> list;
          for (uint32_t i = 0; i < length; i++) list.push_back(array.Get(i).ToBoolean().Value());
          return list;
        }
        case c10::TypeKind::OptionalType: {  // Tensor?[] (aten::index)
          c10::List<c10::optional<at::Tensor>> list;
          for (uint32_t i = 0; i < length; i++) {
            const Napi::Value item = array.Get(i);
            if (item.IsNull() || item.IsUndefined()) list.push_back(c10::nullopt);
            else list.push_back(store.get(item.As<Napi::Number>().Int32Value()));
          }
          return list;
        }
        default:
          break;
      }
      break;
    }
    default:
      break;
  }
  throw std::invalid_argument("argument type " + type->str() + " is not supported by the Tessera torch addon");
}

size_t writeOutput(size_t offset, const at::Tensor& tensor) {
  if (!tensor.defined()) {
    if (offset + 3 > metadataLength) throw std::length_error("output metadata buffer too small");
    metadata[offset] = -1;
    metadata[offset + 1] = kOther;
    metadata[offset + 2] = 0;
    return offset + 3;
  }
  const int64_t rank = tensor.dim();
  if (offset + 3 + static_cast<size_t>(rank) > metadataLength) throw std::length_error("output metadata buffer too small");
  metadata[offset] = store.add(tensor);
  metadata[offset + 1] = dtypeCode(tensor.scalar_type());
  metadata[offset + 2] = static_cast<double>(rank);
  for (int64_t axis = 0; axis < rank; axis++) metadata[offset + 3 + axis] = static_cast<double>(tensor.size(axis));
  return offset + 3 + rank;
}

// Every entry point turns C++ exceptions into JavaScript errors whose message is the operator's
// own first line (ATen messages carry a C++ backtrace after it).
template <typename Function>
Napi::Value guarded(const Napi::CallbackInfo& info, Function function) {
  try {
    return function();
  } catch (const c10::Error& error) {
    throw Napi::Error::New(info.Env(), error.what_without_backtrace());
  } catch (const std::exception& error) {
    throw Napi::Error::New(info.Env(), error.what());
  }
}

// LibTorch built against OpenBLAS (Debian's libtorch-dev) leaves OpenBLAS's own thread pool at
// one thread per core whatever at::set_num_threads says (only MKL builds forward the count), so on a
// busy machine every matrix product wakes workers that contend with the caller: 3-4x slower GEMMs
// at "1 thread". Forward the count to OpenBLAS when it is loaded, as PyTorch does for MKL.
// Node loads addons RTLD_LOCAL, so OpenBLAS's symbols are looked up in its already-loaded library.
void* openBlasSymbol(const char* name) {
  if (void* symbol = dlsym(RTLD_DEFAULT, name)) return symbol;
  for (const char* library : {"libopenblas.so.0", "libblas.so.3", "libopenblas.so"}) {
    if (void* handle = dlopen(library, RTLD_LAZY | RTLD_NOLOAD)) {
      void* symbol = dlsym(handle, name);
      dlclose(handle);
      if (symbol != nullptr) return symbol;
    }
  }
  return nullptr;
}

void setThreads(int threads) {
  at::set_num_threads(threads);
  using SetBlasThreads = void (*)(int);
  static const auto setBlasThreads = reinterpret_cast<SetBlasThreads>(openBlasSymbol("openblas_set_num_threads"));
  if (setBlasThreads != nullptr) setBlasThreads(threads);
}

// OpenBLAS's thread count, or -1 where LibTorch does not use OpenBLAS.
Napi::Value GetBlasThreads(const Napi::CallbackInfo& info) {
  using GetBlasThreadsFunction = int (*)();
  static const auto getBlasThreads =
      reinterpret_cast<GetBlasThreadsFunction>(openBlasSymbol("openblas_get_num_threads"));
  return Napi::Number::New(info.Env(), getBlasThreads != nullptr ? getBlasThreads() : -1);
}

Napi::Value Initialize(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    Napi::Float64Array buffer = info[0].As<Napi::Float64Array>();
    metadataReference = Napi::Persistent(buffer.As<Napi::Object>());
    metadata = buffer.Data();
    metadataLength = buffer.ElementLength();
    const int threads = info[1].As<Napi::Number>().Int32Value();
    if (threads > 0) setThreads(threads);
    const double cacheLimit = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
    if (cacheLimit > 0) CachingCpuAllocator::install(static_cast<size_t>(cacheLimit));
    return info.Env().Undefined();
  });
}

Napi::Value CudaAvailable(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value { return Napi::Boolean::New(info.Env(), at::hasCUDA()); });
}

Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    setThreads(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  });
}

Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), at::get_num_threads());
}

// Resolves "aten::name" + overload once; TypeScript caches the returned handle.
Napi::Value Resolve(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const std::string name = info[0].As<Napi::String>().Utf8Value();
    const std::string overload = info[1].As<Napi::String>().Utf8Value();
    const auto handle = c10::Dispatcher::singleton().findSchema({name, overload});
    if (!handle.has_value()) throw std::invalid_argument("no ATen operator " + name + "." + overload + " in this LibTorch");
    operators.push_back(*handle);
    return Napi::Number::New(info.Env(), static_cast<double>(operators.size() - 1));
  });
}

Napi::Value Schema(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& op = operators.at(info[0].As<Napi::Number>().Uint32Value());
    std::ostringstream text;
    text << op.schema();
    return Napi::String::New(info.Env(), text.str());
  });
}

// call(handle, args): runs the operator; outputs are stored and described in the metadata buffer.
// Arguments past args.length take the schema's defaults. Returns the number of outputs.
Napi::Value Call(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const auto& op = operators.at(info[0].As<Napi::Number>().Uint32Value());
    const Napi::Array args = info[1].As<Napi::Array>();
    const auto& schema = op.schema();
    const auto& declared = schema.arguments();
    const uint32_t given = args.Length();
    if (given > declared.size()) throw std::invalid_argument("too many arguments for " + schema.name());
    torch::jit::Stack stack;
    stack.reserve(declared.size());
    for (size_t i = 0; i < declared.size(); i++) {
      if (i < given) {
        stack.push_back(toIValue(args.Get(static_cast<uint32_t>(i)), declared[i].type()));
      } else if (declared[i].default_value().has_value()) {
        stack.push_back(*declared[i].default_value());
      } else {
        throw std::invalid_argument(schema.name() + " needs argument '" + declared[i].name() + "'");
      }
    }
    {
      // No autograd bookkeeping: tfjs computes gradients itself from its own kernels.
      c10::InferenceMode guard;
      op.callBoxed(&stack);
    }
    size_t offset = 1;
    double outputs = 0;
    for (const c10::IValue& output : stack) {
      if (output.isTensor()) {
        offset = writeOutput(offset, output.toTensor());
        outputs += 1;
      } else if (output.isTensorList()) {
        for (const at::Tensor& tensor : output.toTensorVector()) {
          offset = writeOutput(offset, tensor);
          outputs += 1;
        }
      } else if (output.isNone()) {
        offset = writeOutput(offset, at::Tensor());
        outputs += 1;
      } else {
        throw std::invalid_argument(schema.name() + " returned a non-tensor value, which the addon does not pass back");
      }
    }
    metadata[0] = outputs;
    return Napi::Number::New(info.Env(), outputs);
  });
}

// write(data: TypedArray, shape: number[], dtype: string, device: 'cpu' | 'cuda'): copies host
// data into a new tensor on the device. This and `read` are the only host<->device copies.
Napi::Value Write(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    const Napi::TypedArray data = info[0].As<Napi::TypedArray>();
    const Napi::Array shapeArray = info[1].As<Napi::Array>();
    std::vector<int64_t> shape(shapeArray.Length());
    for (uint32_t i = 0; i < shapeArray.Length(); i++) shape[i] = shapeArray.Get(i).As<Napi::Number>().Int64Value();
    const at::ScalarType type = scalarTypeFromName(info[2].As<Napi::String>().Utf8Value());
    c10::InferenceMode guard;
    at::Tensor tensor = at::empty(shape, at::TensorOptions().dtype(type));
    const size_t bytes = tensor.nbytes();
    if (bytes != data.ByteLength()) {
      throw std::invalid_argument("write: " + std::to_string(data.ByteLength()) + " bytes given for a tensor of " +
                                  std::to_string(bytes) + " bytes");
    }
    const auto* source = static_cast<const uint8_t*>(data.ArrayBuffer().Data()) + data.ByteOffset();
    if (bytes > 0) std::memcpy(tensor.data_ptr(), source, bytes);
    const c10::Device device(info[3].As<Napi::String>().Utf8Value());
    if (device.is_cuda()) tensor = tensor.to(device);
    return Napi::Number::New(info.Env(), store.add(std::move(tensor)));
  });
}

// read(id): a copy of the tensor's values in its tfjs dtype (int64 -> Int32Array, float64 and
// bfloat16 -> Float32Array, bool -> Uint8Array).
Napi::Value Read(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    c10::InferenceMode guard;
    at::Tensor tensor = store.get(info[0].As<Napi::Number>().Int32Value());
    at::ScalarType target = tensor.scalar_type();
    napi_typedarray_type arrayType;
    switch (dtypeCode(target)) {
      case kFloat32: case kFloat64: case kBFloat16: target = at::kFloat; arrayType = napi_float32_array; break;
      case kInt32: case kInt64: target = at::kInt; arrayType = napi_int32_array; break;
      case kBool: arrayType = napi_uint8_array; break;
      default: throw std::invalid_argument(std::string("read: unsupported dtype ") + c10::toString(target));
    }
    tensor = tensor.to(c10::kCPU, target).contiguous();
    const size_t bytes = tensor.nbytes();
    Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(info.Env(), bytes);
    if (bytes > 0) std::memcpy(buffer.Data(), tensor.data_ptr(), bytes);
    const size_t length = static_cast<size_t>(tensor.numel());
    switch (arrayType) {
      case napi_float32_array: return Napi::Float32Array::New(info.Env(), length, buffer, 0);
      case napi_int32_array: return Napi::Int32Array::New(info.Env(), length, buffer, 0);
      default: return Napi::Uint8Array::New(info.Env(), length, buffer, 0);
    }
  });
}

Napi::Value Dispose(const Napi::CallbackInfo& info) {
  return guarded(info, [&]() -> Napi::Value {
    store.remove(info[0].As<Napi::Number>().Int32Value());
    return info.Env().Undefined();
  });
}

Napi::Value Memory(const Napi::CallbackInfo& info) {
  Napi::Object result = Napi::Object::New(info.Env());
  result.Set("tensors", Napi::Number::New(info.Env(), static_cast<double>(store.liveTensors())));
  result.Set("bytes", Napi::Number::New(info.Env(), static_cast<double>(store.liveBytes())));
  result.Set("cachedBytes",
             Napi::Number::New(info.Env(), static_cast<double>(CachingCpuAllocator::instance().cachedBytes())));
  return result;
}

// Returns the host memory the caching allocator holds for reuse to the system.
Napi::Value EmptyCache(const Napi::CallbackInfo& info) {
  CachingCpuAllocator::instance().emptyCache();
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("initialize", Napi::Function::New(env, Initialize));
  exports.Set("cudaAvailable", Napi::Function::New(env, CudaAvailable));
  exports.Set("setNumThreads", Napi::Function::New(env, SetNumThreads));
  exports.Set("getNumThreads", Napi::Function::New(env, GetNumThreads));
  exports.Set("getBlasThreads", Napi::Function::New(env, GetBlasThreads));
  exports.Set("resolve", Napi::Function::New(env, Resolve));
  exports.Set("schema", Napi::Function::New(env, Schema));
  exports.Set("call", Napi::Function::New(env, Call));
  exports.Set("write", Napi::Function::New(env, Write));
  exports.Set("read", Napi::Function::New(env, Read));
  exports.Set("dispose", Napi::Function::New(env, Dispose));
  exports.Set("memory", Napi::Function::New(env, Memory));
  exports.Set("emptyCache", Napi::Function::New(env, EmptyCache));
  exports.Set("torchVersion", Napi::String::New(env, TORCH_VERSION));
  return exports;
}

}  // namespace

NODE_API_MODULE(tessera_torch, Init)
