// The EI-Kuramoto step kernel as a native Node-API addon: the same passes, on the same shared memory, as the
// WebAssembly kernel ../wasm/step.ts, whose header states the model, the passes, the units and the cos δ,
// sin δ reduction and polynomials; this file repeats none of it but computes the very same bits
// (tests/kuramoto-native.test.ts holds the two to each other, pass by pass). Why a second kernel: WebAssembly
// SIMD is 2 doubles wide, while the machines we run on have 4 (AVX2) or 8 (AVX-512); numpy's cos and sin use
// them, and our step should too. `npm ci` builds it (package.json's install script); without a C compiler the
// WebAssembly kernel runs instead (../kernel.ts).
//
// How the bits stay the WebAssembly kernel's:
// - the same correctly rounded IEEE-754 operations in the same order, 8 oscillators at a time in GCC vector
//   types; never fused (-ffp-contract=off in binding.gyp), never reassociated (no -ffast-math);
// - the reduction is skipped exactly where the WebAssembly kernel skips it: per pair of oscillators
//   (elements 2j, 2j+1), when both |δ| < SMALL;
// - a pair takes the short polynomials where the WebAssembly kernel does (both |δ| < TINY);
// - Σc and Σs are accumulated in its 8 lanes (one vector here), the chunk's last block zero-filled;
// - nearest(x) (round half to even) as (|x| + 2^52) − 2^52 with x's sign, exact for |x| < 2^52 (larger
//   doubles are integers already); floor(y) as nearest(y) less 1 where that exceeds y.
// One function body is compiled for AVX-512, AVX2 and baseline x86-64 (target_clones); the CPU picks one when
// the addon loads. The same operations give the same bits on all three.
#include <node_api.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

typedef double v8d __attribute__((vector_size(64)));
typedef int64_t v8i __attribute__((vector_size(64)));

enum { INIT = 0, EULER = 1, RK1 = 2, RK2 = 3, RK3 = 4, RK4 = 5 };

#define TWO_OVER_PI 0.6366197723675814
#define SMALL 0.78
#define TINY 0.125
#define P1 1.5707963267341256
#define P2 6.077100506303966e-11
#define P3 2.0222662487959506e-21
#define S3 (-1.0 / 6.0)
#define S5 (1.0 / 120.0)
#define S7 (-1.0 / 5040.0)
#define S9 (1.0 / 362880.0)
#define S11 (-1.0 / 39916800.0)
#define S13 (1.0 / 6227020800.0)
#define S15 (-1.0 / 1307674368000.0)
#define C2 (-1.0 / 2.0)
#define C4 (1.0 / 24.0)
#define C6 (-1.0 / 720.0)
#define C8 (1.0 / 40320.0)
#define C10 (-1.0 / 3628800.0)
#define C12 (1.0 / 479001600.0)
#define C14 (-1.0 / 87178291200.0)
#define C16 (1.0 / 20922789888000.0)

/** One thread's binding: the shared memory's base and the byte offsets of the state arrays in it. */
typedef struct {
  uint8_t* base;
  size_t C, S, omega, c, s, acc, xi;
} Binding;

#define SPLAT(x) ((v8d){x, x, x, x, x, x, x, x})
#define AS_I(v) ((v8i)(v))
#define AS_D(v) ((v8d)(v))

static inline __attribute__((always_inline)) v8d sel(v8i m, v8d a, v8d b) { return AS_D((m & AS_I(a)) | (~m & AS_I(b))); }

static inline __attribute__((always_inline)) v8d vabs(v8d x) { return AS_D(AS_I(x) & ((v8i){0} + INT64_MAX)); }

static inline __attribute__((always_inline)) v8d nearest(v8d x) {
  const v8d big = SPLAT(4503599627370496.0);  // 2^52
  const v8i sign = AS_I(SPLAT(-0.0));
  v8d a = vabs(x);
  v8d r = AS_D(AS_I((a + big) - big) | (AS_I(x) & sign));
  return sel(a < big, r, x);
}

static inline __attribute__((always_inline)) v8d vfloor(v8d y) {
  v8d t = nearest(y);
  return sel(t > y, t - SPLAT(1.0), t);
}

/** Whether every lane of a mask is set; whether any is. */
static inline __attribute__((always_inline)) int all(v8i m) {
  v8i t = ~m | __builtin_shuffle(~m, (v8i){4, 5, 6, 7, 0, 1, 2, 3});
  t = t | __builtin_shuffle(t, (v8i){2, 3, 0, 1, 6, 7, 4, 5});
  t = t | __builtin_shuffle(t, (v8i){1, 0, 3, 2, 5, 4, 7, 6});
  return t[0] == 0;
}

static inline __attribute__((always_inline)) int any(v8i m) { return !all(~m); }

/** One Horner step: c + r²·p. */
#define HORNER(c, r2, p) (SPLAT(c) + (r2) * (p))

/** sin r by its Taylor polynomial, to r^15 (`lng`) or r^9; r2 = r². */
static inline __attribute__((always_inline)) v8d sinPoly(v8d r, v8d r2, int lng) {
  v8d p = lng ? SPLAT(S15) : SPLAT(S9);
  if (lng) {
    p = HORNER(S13, r2, p);
    p = HORNER(S11, r2, p);
    p = HORNER(S9, r2, p);
  }
  p = HORNER(S7, r2, p);
  p = HORNER(S5, r2, p);
  p = HORNER(S3, r2, p);
  return r + (r * r2) * p;
}

/** cos r by its Taylor polynomial, to r^16 (`lng`) or r^10; r2 = r². */
static inline __attribute__((always_inline)) v8d cosPoly(v8d r2, int lng) {
  v8d p = lng ? SPLAT(C16) : SPLAT(C10);
  if (lng) {
    p = HORNER(C14, r2, p);
    p = HORNER(C12, r2, p);
    p = HORNER(C10, r2, p);
  }
  p = HORNER(C8, r2, p);
  p = HORNER(C6, r2, p);
  p = HORNER(C4, r2, p);
  p = HORNER(C2, r2, p);
  return HORNER(1.0, r2, p);
}

/** Element i of a block of `n` ≤ 8 elements at p, lanes beyond n zero. */
static inline __attribute__((always_inline)) v8d load(const double* p, int n) {
  if (n == 8) {
    v8d v;
    memcpy(&v, p, sizeof v);
    return v;
  }
  v8d v = SPLAT(0.0);
  for (int i = 0; i < n; i++) v[i] = p[i];
  return v;
}

static inline __attribute__((always_inline)) void store(double* p, v8d v, int n) {
  if (n == 8) memcpy(p, &v, sizeof v);
  else
    for (int i = 0; i < n; i++) p[i] = v[i];
}

#define AT(off, i) ((double*)(b->base + (off)) + (i))

/**
 * One pass of `kind` over the block of n ≤ 8 oscillators starting at element i: ../wasm/step.ts's `advance`,
 * lane for lane.
 */
static inline __attribute__((always_inline)) void advance(const Binding* b, int kind, int noisy, size_t i,
                                                          int n, v8d hRe, v8d hIm, v8d h, v8d sigma) {
  v8d c = load(AT(b->c, i), n);
  v8d s = load(AT(b->s, i), n);
  v8d k = (load(AT(b->omega, i), n) + hIm * c) - hRe * s;
  v8d d;
  if (kind == EULER) {
    d = h * k;
    if (noisy) d = d + sigma * load(AT(b->xi, i), n);
  } else if (kind == RK4) {
    d = h * (load(AT(b->acc, i), n) + k);
  } else {
    v8d acc = kind == RK1 ? k : load(AT(b->acc, i), n) + (k + k);
    store(AT(b->acc, i), acc, n);
    d = h * k;
  }
  // per pair (elements 2j, 2j + 1), as the WebAssembly kernel decides: both |δ| < TINY, the short
  // polynomials of r = δ; else both |δ| < SMALL, the long ones of r = δ; else the reduction and the long ones
  const v8i swapPairs = {1, 0, 3, 2, 5, 4, 7, 6};
  v8d absD = vabs(d);
  v8i tinyLane = absD < SPLAT(TINY);
  v8i tiny = tinyLane & __builtin_shuffle(tinyLane, swapPairs);
  v8d sd, cd;
  if (all(tiny)) {
    v8d r2 = d * d;
    sd = sinPoly(d, r2, 0);
    cd = cosPoly(r2, 0);
  } else {
    v8i smallLane = absD < SPLAT(SMALL);
    v8i small = smallLane & __builtin_shuffle(smallLane, swapPairs);
    v8d q = SPLAT(0.0);
    v8d r = d;
    if (!all(small)) {
      v8d qq = nearest(d * SPLAT(TWO_OVER_PI));
      v8d rr = d - qq * SPLAT(P1);
      rr = rr - qq * SPLAT(P2);
      rr = rr - qq * SPLAT(P3);
      q = sel(small, q, qq);
      r = sel(small, d, rr);
    }
    v8d r2 = r * r;
    sd = sinPoly(r, r2, 1);
    cd = cosPoly(r2, 1);
    if (!all(small)) {
      // quadrant m = q mod 4 (0 for a pair that skipped the reduction: nothing swaps or changes sign)
      v8d m = q - SPLAT(4.0) * vfloor(q * SPLAT(0.25));
      v8i swap = (m == SPLAT(1.0)) | (m == SPLAT(3.0));
      v8i sign = AS_I(SPLAT(-0.0));
      v8i negSin = (m >= SPLAT(2.0)) & sign;
      v8i negCos = ((m == SPLAT(1.0)) | (m == SPLAT(2.0))) & sign;
      v8d sinR = sd;
      sd = AS_D(AS_I(sel(swap, cd, sinR)) ^ negSin);
      cd = AS_D(AS_I(sel(swap, sinR, cd)) ^ negCos);
    }
    if (any(tiny)) {
      v8d d2 = d * d;
      sd = sel(tiny, sinPoly(d, d2, 0), sd);
      cd = sel(tiny, cosPoly(d2, 0), cd);
    }
  }
  v8d C0 = kind == EULER ? c : load(AT(b->C, i), n);
  v8d S0 = kind == EULER ? s : load(AT(b->S, i), n);
  v8d nc = C0 * cd - S0 * sd;
  v8d ns = S0 * cd + C0 * sd;
  v8d norm = SPLAT(1.5) - SPLAT(0.5) * (nc * nc + ns * ns);
  nc = nc * norm;
  ns = ns * norm;
  store(AT(b->c, i), nc, n);
  store(AT(b->s, i), ns, n);
  if (kind == RK4) {
    store(AT(b->C, i), nc, n);
    store(AT(b->S, i), ns, n);
  }
}

/** ((l0 + l1) + (l2 + l3)) + ((l4 + l5) + (l6 + l7)) of the lane sums v. */
static inline __attribute__((always_inline)) double laneTotal(v8d v) {
  return ((v[0] + v[1]) + (v[2] + v[3])) + ((v[4] + v[5]) + (v[6] + v[7]));
}

/** ../wasm/step.ts's `sweep`: one pass of `kind` over [lo, hi); Σc, Σs to out[0], out[1]. */
static inline __attribute__((always_inline)) void sweep(const Binding* b, int kind, int noisy, size_t lo,
                                                        size_t hi, double hr, double hm, double h,
                                                        double sigma, double* out) {
  const v8d hRe = SPLAT(hr), hIm = SPLAT(hm), hV = SPLAT(h), sigmaV = SPLAT(sigma);
  v8d sumC = SPLAT(0.0), sumS = SPLAT(0.0);
  size_t i = lo;
  // whole blocks of 8 (n a constant: no partial loads in the loop), then the chunk's last few
  for (; i + 8 <= hi; i += 8) {
    if (kind != INIT) advance(b, kind, noisy, i, 8, hRe, hIm, hV, sigmaV);
    sumC = sumC + load(AT(b->c, i), 8);
    sumS = sumS + load(AT(b->s, i), 8);
  }
  if (i < hi) {
    int n = (int)(hi - i);
    if (kind != INIT) advance(b, kind, noisy, i, n, hRe, hIm, hV, sigmaV);
    sumC = sumC + load(AT(b->c, i), n);
    sumS = sumS + load(AT(b->s, i), n);
  }
  out[0] = laneTotal(sumC);
  out[1] = laneTotal(sumS);
}

__attribute__((target_clones("avx512f", "avx2", "default"))) static void chunk(const Binding* b, int kind,
                                                                                size_t lo, size_t hi,
                                                                                double hr, double hm,
                                                                                double dt, double sigma,
                                                                                double* out) {
  if (kind == INIT) {
    if (b->c != b->C) {
      memmove(AT(b->c, lo), AT(b->C, lo), (hi - lo) * 8);
      memmove(AT(b->s, lo), AT(b->S, lo), (hi - lo) * 8);
    }
    sweep(b, INIT, 0, lo, hi, hr, hm, dt, sigma, out);
  } else if (kind == EULER) {
    if (sigma > 0) sweep(b, EULER, 1, lo, hi, hr, hm, dt, sigma, out);
    else sweep(b, EULER, 0, lo, hi, hr, hm, dt, sigma, out);
  } else if (kind == RK1) sweep(b, RK1, 0, lo, hi, hr, hm, 0.5 * dt, sigma, out);
  else if (kind == RK2) sweep(b, RK2, 0, lo, hi, hr, hm, 0.5 * dt, sigma, out);
  else if (kind == RK3) sweep(b, RK3, 0, lo, hi, hr, hm, dt, sigma, out);
  else sweep(b, RK4, 0, lo, hi, hr, hm, dt / 6, sigma, out);
}

// --- Node-API: bind(memory: Uint8Array over the whole shared memory, C, S, ω, c, s, acc, ξ offsets) returns
// this thread's binding; chunk(binding, kind, lo, hi, hr, hm, dt, sigma, out offset) is the WebAssembly
// kernel's `chunk` on it.

static napi_value fail(napi_env env, const char* message) {
  napi_throw_error(env, NULL, message);
  return NULL;
}

static void freeBinding(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

static napi_value bind(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc != 8)
    return fail(env, "bind: expected the memory and 7 offsets");
  napi_typedarray_type type;
  size_t length;
  void* data;
  if (napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL) != napi_ok ||
      type != napi_uint8_array)
    return fail(env, "bind: the memory must be a Uint8Array");
  Binding* b = calloc(1, sizeof *b);
  if (b == NULL) return fail(env, "bind: out of memory");
  size_t* offsets[7] = {&b->C, &b->S, &b->omega, &b->c, &b->s, &b->acc, &b->xi};
  for (int i = 0; i < 7; i++) {
    double v;
    if (napi_get_value_double(env, argv[i + 1], &v) != napi_ok || !(v >= 0 && v <= (double)length)) {
      free(b);
      return fail(env, "bind: an offset is outside the memory");
    }
    *offsets[i] = (size_t)v;
  }
  b->base = data;
  napi_value handle;
  if (napi_create_external(env, b, freeBinding, NULL, &handle) != napi_ok) {
    free(b);
    return fail(env, "bind: cannot create the binding");
  }
  return handle;
}

static napi_value chunkCall(napi_env env, napi_callback_info info) {
  size_t argc = 9;
  napi_value argv[9];
  Binding* b = NULL;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc != 9 || napi_get_value_external(env, argv[0], (void**)&b) != napi_ok || b == NULL)
    return fail(env, "chunk: expected a binding and 8 numbers");
  int32_t kind, lo, hi;
  double hr, hm, dt, sigma, out;
  napi_get_value_int32(env, argv[1], &kind);
  napi_get_value_int32(env, argv[2], &lo);
  napi_get_value_int32(env, argv[3], &hi);
  napi_get_value_double(env, argv[4], &hr);
  napi_get_value_double(env, argv[5], &hm);
  napi_get_value_double(env, argv[6], &dt);
  napi_get_value_double(env, argv[7], &sigma);
  napi_get_value_double(env, argv[8], &out);
  chunk(b, kind, (size_t)lo, (size_t)hi, hr, hm, dt, sigma, (double*)(b->base + (size_t)out));
  return NULL;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"bind", NULL, bind, NULL, NULL, NULL, napi_default, NULL},
      {"chunk", NULL, chunkCall, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 2, props);
  return exports;
}
