{
  "targets": [
    {
      "target_name": "kuramoto_step",
      "sources": ["step.c"],
      "cflags": ["-O3", "-ffp-contract=off", "-fno-fast-math", "-Wno-psabi"],
      "cflags_c": ["-std=gnu11"]
    }
  ]
}
