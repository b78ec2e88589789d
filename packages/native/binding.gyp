{
  "targets": [
    {
      "target_name": "robustjs_native",
      "sources": [
        "src/native/addon.cc",
        "src/native/conv.cc",
        "src/native/matmul.cc",
        "src/native/groupnorm.cc",
        "src/native/gaussiangram.cc",
        "src/native/reduce.cc",
        "src/native/copy.cc",
        "src/native/elementwise.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node scripts/dnnl-config.mjs --include)"
      ],
      "defines": [
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O2", "-fexceptions", "-frtti", "-fopenmp"],
      "ldflags": ["-fopenmp", "<!@(node scripts/dnnl-config.mjs --libdir-flags)"],
      "libraries": ["-ldnnl", "-lgomp"]
    },
    {
      "target_name": "robustjs_eventloop",
      "sources": ["src/native/eventloop.cc"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
