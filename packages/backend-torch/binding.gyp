{
  "targets": [
    {
      "target_name": "tessera_torch",
      "sources": ["native/torch_addon.cc", "native/tensor_store.cc", "native/caching_allocator.cc"],
      "include_dirs": [
        "<!@(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/find-libtorch.mjs include)"
      ],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node scripts/find-libtorch.mjs defines)"],
      "cflags!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-frtti", "-O2", "-Wno-unused-parameter", "-Wno-deprecated-declarations"],
      "libraries": [
        "-L<!(node scripts/find-libtorch.mjs lib-dir)",
        "-Wl,-rpath,<!(node scripts/find-libtorch.mjs lib-dir)",
        "-Wl,--no-as-needed",
        "<!@(node scripts/find-libtorch.mjs libraries)"
      ]
    }
  ]
}
