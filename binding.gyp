{
  "targets": [
    {
      "target_name": "gpt_oss_cpu",
      "sources": [
        "native/addon.c",
        "native/pool.c",
        "native/tables.c",
        "native/dispatch.c",
        "native/f32-densew-matmul.c",
        "native/q8-dense.c",
        "native/f32-mxfp4w-moe.c",
        "native/f32-mxfp4w-moe-q8.c",
        "native/f32-mxfp4w-moe-act.c",
        "native/f32-sdpa-sinks-swa.c",
        "native/f32-small-ops.c",
        "native/weight-copy.c",
        "native/preempt-probe.c",
        "native/prefetch-tuner.c"
      ],
      "defines": ["NAPI_VERSION=8"],
      "cflags!": ["-O0", "-O1", "-O2", "-Os"],
      "cflags": ["-O3", "-std=gnu11", "-fno-math-errno", "-pthread", "-Wall", "-Wno-unused-function"],
      "ldflags": ["-pthread"],
      "xcode_settings": {
        "OTHER_CFLAGS": ["-O3", "-std=gnu11", "-fno-math-errno"]
      }
    }
  ]
}
