/* Times FFTW 3 (single precision, FFTW_MEASURE, in place, forward) for the NR FFT sizes,
 * for comparison with `nrkit bench fft`. Same method as nrkit's runner: warm-up, then the
 * median of 5 batches of ~budget/5 each. Prints one JSON object per size. */
#include <fftw3.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e9 + t.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv) {
    int sizes[] = {128, 256, 512, 1024, 1536, 2048, 3072, 4096};
    double budget_ns = (argc > 1 ? atof(argv[1]) : 300.0) * 1e6;
    for (unsigned s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        int n = sizes[s];
        fftwf_complex *buf = fftwf_malloc(sizeof(fftwf_complex) * n);
        fftwf_plan p = fftwf_plan_dft_1d(n, buf, buf, FFTW_FORWARD, FFTW_MEASURE);
        for (int i = 0; i < n; i++) {
            buf[i][0] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
            buf[i][1] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
        }
        fftwf_execute(p);
        double t0 = now_ns();
        fftwf_execute(p);
        double one = now_ns() - t0;
        if (one < 1) one = 1;
        long iters = (long)(budget_ns / 5 / one);
        if (iters < 1) iters = 1;
        double v[5];
        for (int b = 0; b < 5; b++) {
            double t = now_ns();
            for (long i = 0; i < iters; i++) fftwf_execute(p);
            v[b] = (now_ns() - t) / iters;
        }
        qsort(v, 5, sizeof *v, cmp);
        printf("{\"kernel\":\"fft_fftw\",\"params\":{\"size\":%d},\"ns_per_op\":%.1f}\n", n, v[2]);
        fftwf_destroy_plan(p);
        fftwf_free(buf);
    }
    return 0;
}
