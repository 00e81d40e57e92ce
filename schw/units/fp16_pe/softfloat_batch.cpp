// Batched calls into Berkeley SoftFloat 3 for the fp16-pe reference (schw/units/fp16_pe/softfloat_batch.py).
//
// The SoftFloat C library used is the one compiled into softfloatpy's extension module: Python
// looks up its functions and its three global state bytes (rounding mode, tininess detection,
// exception flags) with ctypes and hands their addresses to sfb_bind(). This file only loops:
// one SoftFloat call per vector, no arithmetic of its own.
#include <cstddef>
#include <cstdint>

extern "C" {

struct f16 { uint16_t v; };  // SoftFloat's float16_t / float32_t: a struct around the bits
struct f32 { uint32_t v; };

typedef f16 (*f16_fma_fn)(f16, f16, f16);
typedef f32 (*f32_fma_fn)(f32, f32, f32);
typedef f32 (*f16_to_f32_fn)(f16);

static f16_fma_fn f16_mul_add;
static f32_fma_fn f32_mul_add;
static f16_to_f32_fn f16_to_f32;
static uint8_t *rounding_mode, *detect_tininess, *exception_flags;

void sfb_bind(void *fma16, void *fma32, void *cvt, uint8_t *rm, uint8_t *tiny, uint8_t *flags) {
    f16_mul_add = reinterpret_cast<f16_fma_fn>(fma16);
    f32_mul_add = reinterpret_cast<f32_fma_fn>(fma32);
    f16_to_f32 = reinterpret_cast<f16_to_f32_fn>(cvt);
    rounding_mode = rm;
    detect_tininess = tiny;
    exception_flags = flags;
}

// res[i], flg[i] = f16_mulAdd(a[i], b[i], c[i]) in rounding mode rm[i], SoftFloat's raw flags
void sfb_f16_mul_add(size_t n, const uint8_t *rm, const uint16_t *a, const uint16_t *b, const uint16_t *c,
                     uint16_t *res, uint8_t *flg, uint8_t tininess) {
    uint8_t saved_rm = *rounding_mode, saved_tiny = *detect_tininess, saved_flags = *exception_flags;
    *detect_tininess = tininess;
    for (size_t i = 0; i < n; ++i) {
        *rounding_mode = rm[i];
        *exception_flags = 0;
        res[i] = f16_mul_add(f16{a[i]}, f16{b[i]}, f16{c[i]}).v;
        flg[i] = *exception_flags;
    }
    *rounding_mode = saved_rm;
    *detect_tininess = saved_tiny;
    *exception_flags = saved_flags;
}

// acc = fp32: a and b widened with f16_to_f32 (exact; an sNaN raises invalid as the fused
// operation would), then f32_mulAdd(a, b, c) with c binary32
void sfb_f16f32_mul_add(size_t n, const uint8_t *rm, const uint16_t *a, const uint16_t *b, const uint32_t *c,
                        uint32_t *res, uint8_t *flg, uint8_t tininess) {
    uint8_t saved_rm = *rounding_mode, saved_tiny = *detect_tininess, saved_flags = *exception_flags;
    *detect_tininess = tininess;
    for (size_t i = 0; i < n; ++i) {
        *rounding_mode = rm[i];
        *exception_flags = 0;
        f32 x = f16_to_f32(f16{a[i]}), y = f16_to_f32(f16{b[i]});
        res[i] = f32_mul_add(x, y, f32{c[i]}).v;
        flg[i] = *exception_flags;
    }
    *rounding_mode = saved_rm;
    *detect_tininess = saved_tiny;
    *exception_flags = saved_flags;
}

}  // extern "C"
