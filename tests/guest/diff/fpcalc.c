/* fpcalc: an ordinary C program that computes with float and double, compiled with
   -march=rv64gc -mabi=lp64d -O2 (so gcc picks the instructions: fused multiply-adds by
   contraction, conversions, compares, moves, FP loads/stores and spills), and prints its
   results both as exact bit patterns and as decimal through its own integer-based formatter.
   Everything it prints is a pure function of IEEE-754 arithmetic, so QEMU and hartlab must
   agree byte for byte.

   Sections: series sums (float and double, naive and compensated), Newton square roots
   against fsqrt, elementary functions from Taylor series, matrix products, Gaussian
   elimination and an inverse, integer <-> FP conversions (C casts and rounding helpers),
   a small ray tracer, a projectile with drag and a three-body step, a Mandelbrot set in
   ASCII, and a checksum over everything. */
#include "rt.h"

typedef uint64_t u64;

static u64 checksum = 0xcbf29ce484222325UL;

static void mixsum(u64 v)
{
    checksum ^= v;
    checksum *= 0x100000001b3UL;
}

static u64 dbits(double x)
{
    union {
        double d;
        u64 u;
    } v = {.d = x};
    return v.u;
}

static uint32_t fbits(float x)
{
    union {
        float f;
        uint32_t u;
    } v = {.f = x};
    return v.u;
}

/* ---- decimal formatting with integer arithmetic ----------------------------------------- */

/* Format x with `prec` digits after the point (fixed) or in scientific notation when it is
   very large or small. Uses FP only for exact scaling steps and one rounding product. */
static void fmt_double(char *buf, int size, double x, int prec)
{
    char tmp[64];
    int n = 0;
    u64 b = dbits(x);
    if (((b >> 52) & 0x7ff) == 0x7ff) {
        const char *s = (b & 0xfffffffffffffUL) ? "nan" : (b >> 63) ? "-inf" : "inf";
        rt_snprintf(buf, size, "%s", s);
        return;
    }
    if (b >> 63) {
        tmp[n++] = '-';
        x = -x;
    }
    int exp10 = 0;
    int sci = x != 0 && (x >= 1e15 || x < 1e-4);
    if (sci) {
        while (x >= 10.0) {
            x /= 10.0;
            exp10++;
        }
        while (x < 1.0) {
            x *= 10.0;
            exp10--;
        }
    }
    u64 scale = 1;
    for (int i = 0; i < prec; i++)
        scale *= 10;
    u64 ip = (u64)x;
    double frac = x - (double)ip;
    u64 fp = (u64)(frac * (double)scale + 0.5);
    if (fp >= scale) {
        fp -= scale;
        ip++;
    }
    if (sci && ip >= 10) {
        ip /= 10;
        exp10++;
    }
    char digits[24];
    int d = 0;
    do {
        digits[d++] = (char)('0' + ip % 10);
        ip /= 10;
    } while (ip);
    while (d)
        tmp[n++] = digits[--d];
    if (prec) {
        tmp[n++] = '.';
        for (int i = prec - 1; i >= 0; i--) {
            u64 p = 1;
            for (int k = 0; k < i; k++)
                p *= 10;
            tmp[n++] = (char)('0' + (fp / p) % 10);
        }
    }
    tmp[n] = 0;
    if (sci)
        rt_snprintf(buf, size, "%se%d", tmp, exp10);
    else
        rt_snprintf(buf, size, "%s", tmp);
}

/* Print a double: decimal and exact bits, and fold the bits into the checksum. */
static void pd(const char *what, double x)
{
    char buf[64];
    fmt_double(buf, sizeof buf, x, 9);
    rt_printf("%-28s %-24s %016lx\n", what, buf, dbits(x));
    mixsum(dbits(x));
}

static void pf(const char *what, float x)
{
    char buf[64];
    fmt_double(buf, sizeof buf, (double)x, 6);
    rt_printf("%-28s %-24s %08x\n", what, buf, fbits(x));
    mixsum(fbits(x));
}

static void pi64(const char *what, long v)
{
    rt_printf("%-28s %ld\n", what, v);
    mixsum((u64)v);
}

/* Keep gcc from folding the computations at compile time. */
static double opaque_d(double x)
{
    asm volatile("" : "+f"(x));
    return x;
}
static float opaque_f(float x)
{
    asm volatile("" : "+f"(x));
    return x;
}
static long opaque_l(long x)
{
    asm volatile("" : "+r"(x));
    return x;
}

/* ---- series ------------------------------------------------------------------------------ */

static void series(void)
{
    rt_printf("# series\n");
    int n = (int)opaque_l(20000);
    double pi_d = 0;
    float pi_f = 0;
    for (int k = 0; k < n; k++) {
        double t = 4.0 / (2 * k + 1);
        pi_d += (k & 1) ? -t : t;
        pi_f += (k & 1) ? -(float)t : (float)t;
    }
    pd("leibniz pi (double)", pi_d);
    pf("leibniz pi (float)", pi_f);

    float fwd = 0, bwd = 0;
    for (int k = 1; k <= n; k++)
        fwd += 1.0f / (float)k;
    for (int k = n; k >= 1; k--)
        bwd += 1.0f / (float)k;
    pf("harmonic forward (float)", fwd);
    pf("harmonic backward (float)", bwd);

    /* Kahan summation of 0.1 n times, against naive summation. */
    double naive = 0, sum = 0, c = 0, tenth = opaque_d(0.1);
    for (int k = 0; k < n; k++) {
        naive += tenth;
        double y = tenth - c;
        double t = sum + y;
        c = (t - sum) - y;
        sum = t;
    }
    pd("0.1 summed naively", naive);
    pd("0.1 summed (Kahan)", sum);

    /* Basel problem, summed from the small end. */
    double basel = 0;
    for (long k = opaque_l(100000); k >= 1; k--)
        basel += 1.0 / ((double)k * (double)k);
    pd("sum 1/k^2", basel);
}

/* ---- square roots ----------------------------------------------------------------------- */

static double newton_sqrt(double a)
{
    if (a <= 0)
        return 0;
    double x = a > 1 ? a / 2 : 1;
    for (int i = 0; i < 60; i++) {
        double nx = 0.5 * (x + a / x);
        if (nx == x)
            break;
        x = nx;
    }
    return x;
}

static float newton_sqrtf(float a)
{
    float x = a > 1 ? a / 2 : 1;
    for (int i = 0; i < 40; i++)
        x = 0.5f * (x + a / x);
    return x;
}

static void roots(void)
{
    rt_printf("# square roots\n");
    static const double vals[] = {2, 3, 10, 0.5, 1e-10, 12345.678, 1e300, 7.0 / 3};
    for (unsigned i = 0; i < sizeof vals / sizeof vals[0]; i++) {
        double a = opaque_d(vals[i]);
        double n = newton_sqrt(a), h = __builtin_sqrt(a);
        char what[40];
        rt_snprintf(what, sizeof what, "sqrt #%u newton", i);
        pd(what, n);
        rt_snprintf(what, sizeof what, "sqrt #%u fsqrt.d", i);
        pd(what, h);
        rt_snprintf(what, sizeof what, "sqrt #%u newton - fsqrt", i);
        pd(what, n - h);
        float af = (float)a;
        rt_snprintf(what, sizeof what, "sqrtf #%u newton", i);
        pf(what, newton_sqrtf(af));
        rt_snprintf(what, sizeof what, "sqrtf #%u fsqrt.s", i);
        pf(what, __builtin_sqrtf(af));
    }
}

/* ---- elementary functions from series ---------------------------------------------------- */

static double my_exp(double x)
{
    /* exp(x) = exp(x / 2^k)^(2^k) with a Taylor series for the small argument. */
    int k = 0;
    while (x > 0.5 || x < -0.5) {
        x *= 0.5;
        k++;
    }
    double term = 1, sum = 1;
    for (int i = 1; i < 25; i++) {
        term *= x / i;
        sum += term;
    }
    while (k--)
        sum *= sum;
    return sum;
}

static double my_sin(double x)
{
    const double pi = 3.14159265358979323846;
    long q = (long)(x / (2 * pi));
    x -= (double)q * 2 * pi;
    double term = x, sum = x, x2 = x * x;
    for (int i = 1; i < 20; i++) {
        term *= -x2 / ((2 * i) * (2 * i + 1));
        sum += term;
    }
    return sum;
}

static double my_log(double x)
{
    /* log(x) = 2 atanh((x-1)/(x+1)) after scaling into [0.5, 2). */
    int e = 0;
    while (x >= 2) {
        x *= 0.5;
        e++;
    }
    while (x < 0.5) {
        x *= 2;
        e--;
    }
    double y = (x - 1) / (x + 1), y2 = y * y, term = y, sum = 0;
    for (int i = 1; i < 60; i += 2) {
        sum += term / i;
        term *= y2;
    }
    return 2 * sum + e * 0.69314718055994530942;
}

static void elementary(void)
{
    rt_printf("# elementary functions\n");
    static const double xs[] = {0, 1, -1, 0.5, 2.302585092994046, 10, -20, 3.3};
    for (unsigned i = 0; i < sizeof xs / sizeof xs[0]; i++) {
        double x = opaque_d(xs[i]);
        char what[40];
        rt_snprintf(what, sizeof what, "exp(xs[%u])", i);
        pd(what, my_exp(x));
        rt_snprintf(what, sizeof what, "sin(xs[%u])", i);
        pd(what, my_sin(x));
        if (x > 0) {
            rt_snprintf(what, sizeof what, "log(xs[%u])", i);
            pd(what, my_log(x));
        }
    }
    float e = 1, term = 1;
    for (int i = 1; i < 12; i++) {
        term /= (float)i;
        e += term;
    }
    pf("e (float series)", e);
}

/* ---- matrices ---------------------------------------------------------------------------- */

#define N 5

static void matrices(void)
{
    rt_printf("# matrices\n");
    static double a[N][N], b[N][N], c[N][N], m[N][N + 1];
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            a[i][j] = opaque_d(1.0 / (i + j + 1)); /* Hilbert matrix */
            b[i][j] = (double)((i * 7 + j * 3) % 11) - 5.25;
        }
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < N; k++)
                s += a[i][k] * b[k][j];
            c[i][j] = s;
        }
    double trace = 0;
    for (int i = 0; i < N; i++)
        trace += c[i][i];
    pd("trace(H * B)", trace);
    pd("(H * B)[1][3]", c[1][3]);
    pd("(H * B)[4][0]", c[4][0]);

    /* Solve H x = (1, ..., 1) by Gaussian elimination with partial pivoting. */
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < N; j++)
            m[i][j] = a[i][j];
        m[i][N] = 1;
    }
    double det = 1;
    for (int col = 0; col < N; col++) {
        int piv = col;
        for (int r = col + 1; r < N; r++)
            if (__builtin_fabs(m[r][col]) > __builtin_fabs(m[piv][col]))
                piv = r;
        if (piv != col) {
            for (int j = 0; j <= N; j++) {
                double t = m[col][j];
                m[col][j] = m[piv][j];
                m[piv][j] = t;
            }
            det = -det;
        }
        det *= m[col][col];
        for (int r = col + 1; r < N; r++) {
            double f = m[r][col] / m[col][col];
            for (int j = col; j <= N; j++)
                m[r][j] -= f * m[col][j];
        }
    }
    double x[N];
    for (int i = N - 1; i >= 0; i--) {
        double s = m[i][N];
        for (int j = i + 1; j < N; j++)
            s -= m[i][j] * x[j];
        x[i] = s / m[i][i];
    }
    pd("det(H5)", det);
    for (int i = 0; i < N; i++) {
        char what[32];
        rt_snprintf(what, sizeof what, "H5 x = 1: x[%d]", i);
        pd(what, x[i]);
    }

    /* Inverse of a 3x3 float matrix by cofactors, then M * M^-1. */
    float f[3][3] = {{4, 7, 2}, {3, 6, 1}, {2, 5, 3}}, inv[3][3];
    f[0][0] = opaque_f(f[0][0]);
    float d = f[0][0] * (f[1][1] * f[2][2] - f[1][2] * f[2][1]) -
              f[0][1] * (f[1][0] * f[2][2] - f[1][2] * f[2][0]) +
              f[0][2] * (f[1][0] * f[2][1] - f[1][1] * f[2][0]);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            int r0 = (j + 1) % 3, r1 = (j + 2) % 3, c0 = (i + 1) % 3, c1 = (i + 2) % 3;
            inv[i][j] = (f[r0][c0] * f[r1][c1] - f[r0][c1] * f[r1][c0]) / d;
        }
    pf("det(F)", d);
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) {
            float s = 0;
            for (int k = 0; k < 3; k++)
                s += f[i][k] * inv[k][j];
            char what[32];
            rt_snprintf(what, sizeof what, "F * F^-1 [%d][%d]", i, j);
            pf(what, s);
        }
}

/* ---- conversions ------------------------------------------------------------------------- */

static long round_half_away(double x) { return x < 0 ? -(long)(-x + 0.5) : (long)(x + 0.5); }

static double my_floor(double x)
{
    if (!(x > -4503599627370496.0 && x < 4503599627370496.0))
        return x;
    double t = (double)(long)x;
    return t > x ? t - 1 : t;
}

static void conversions(void)
{
    rt_printf("# conversions\n");
    static const double ds[] = {0.0, -0.0, 0.5, -0.5, 1.5, 2.5, -2.5, 1e9, -1e9, 2147483647.9,
                                -2147483648.9, 4294967295.5, 1e18, -9.2e18, 123456789.987654321,
                                3.999999999999999, 1.0 / 3, 1e-300};
    for (unsigned i = 0; i < sizeof ds / sizeof ds[0]; i++) {
        double x = opaque_d(ds[i]);
        long l = (long)x;
        int w = (x > -2147483649.0 && x < 2147483648.0) ? (int)x : 0;
        unsigned long ul = x >= 0 && x < 1.8e19 ? (unsigned long)x : 0;
        unsigned uw = x >= 0 && x < 4294967296.0 ? (unsigned)x : 0;
        float f = (float)x;
        rt_printf("cvt %016lx: long=%ld int=%d ulong=%lu uint=%u float=%08x round=%ld "
                  "floor=%016lx\n",
                  dbits(x), l, w, ul, uw, fbits(f), round_half_away(x), dbits(my_floor(x)));
        mixsum((u64)l ^ (u64)w ^ ul ^ uw ^ fbits(f));
    }
    static const long is[] = {0, 1, -1, 16777217, -16777217, 9007199254740993L,
                              -9007199254740993L, 0x7fffffffffffffffL, (long)0x8000000000000000UL,
                              123456789012345L, 2147483647, -2147483648L};
    for (unsigned i = 0; i < sizeof is / sizeof is[0]; i++) {
        long v = opaque_l(is[i]);
        double d = (double)v, du = (double)(unsigned long)v;
        float f = (float)v, fu = (float)(unsigned long)v, fw = (float)(int)v;
        double dw = (double)(unsigned)v;
        rt_printf("cvt %ld: double=%016lx udouble=%016lx float=%08x ufloat=%08x "
                  "(int)float=%08x (unsigned)double=%016lx\n",
                  v, dbits(d), dbits(du), fbits(f), fbits(fu), fbits(fw), dbits(dw));
        mixsum(dbits(d) ^ dbits(du) ^ fbits(f) ^ fbits(fu) ^ fbits(fw) ^ dbits(dw));
    }
    /* float <-> double round trips. */
    double third = opaque_d(1.0) / 3;
    float tf = (float)third;
    pf("(float)(1/3)", tf);
    pd("(double)(float)(1/3)", (double)tf);
    pd("1/3 - (double)(float)(1/3)", third - (double)tf);
    pf("(float)1e40 (overflow)", (float)opaque_d(1e40));
    pf("(float)1e-50 (underflow)", (float)opaque_d(1e-50));
    pf("(float)1.4e-45 (subnormal)", (float)opaque_d(1.4e-45));
}

/* ---- geometry and physics ---------------------------------------------------------------- */

struct vec {
    float x, y, z;
};
static struct vec vsub(struct vec a, struct vec b) { return (struct vec){a.x - b.x, a.y - b.y, a.z - b.z}; }
static float vdot(struct vec a, struct vec b) { return a.x * b.x + a.y * b.y + a.z * b.z; }
static struct vec vscale(struct vec a, float s) { return (struct vec){a.x * s, a.y * s, a.z * s}; }
static struct vec vnorm(struct vec a) { return vscale(a, 1.0f / __builtin_sqrtf(vdot(a, a))); }

/* Distance along the ray to the sphere, or -1. */
static float hit_sphere(struct vec orig, struct vec dir, struct vec center, float r)
{
    struct vec oc = vsub(orig, center);
    float b = vdot(oc, dir), c = vdot(oc, oc) - r * r, disc = b * b - c;
    if (disc < 0)
        return -1;
    return -b - __builtin_sqrtf(disc);
}

static void raytrace(void)
{
    rt_printf("# ray tracing\n");
    struct vec center = {0, 0, -3}, light = vnorm((struct vec){1, 1, 1});
    static const char shades[] = " .:-=+*#%@";
    for (int y = 0; y < 12; y++) {
        char row[33];
        for (int x = 0; x < 32; x++) {
            struct vec dir = vnorm((struct vec){(x - 15.5f) / 16.0f, (5.5f - y) / 6.0f, -1});
            float t = hit_sphere((struct vec){0, 0, 0}, dir, center, opaque_f(1.5f));
            char ch = ' ';
            if (t > 0) {
                struct vec p = vscale(dir, t), n = vnorm(vsub(p, center));
                float l = vdot(n, light);
                int s = l <= 0 ? 1 : 1 + (int)(l * 8.99f);
                ch = shades[s];
                mixsum(fbits(t) ^ fbits(l));
            }
            row[x] = ch;
        }
        row[32] = 0;
        rt_printf("|%s|\n", row);
    }
}

static void physics(void)
{
    rt_printf("# projectile with drag, three bodies\n");
    double x = 0, y = 0, vx = opaque_d(30.0), vy = 40.0, dt = 0.01, k = 0.02, g = 9.81;
    int steps = 0;
    double maxh = 0;
    while (y >= 0 && steps < 100000) {
        double v = __builtin_sqrt(vx * vx + vy * vy);
        vx -= k * v * vx * dt;
        vy -= (g + k * v * vy) * dt;
        x += vx * dt;
        y += vy * dt;
        if (y > maxh)
            maxh = y;
        steps++;
    }
    pi64("projectile steps", steps);
    pd("projectile range", x);
    pd("projectile max height", maxh);

    double px[3] = {0, 1, -1}, py[3] = {0, 0, 0}, qx[3] = {0, 0, 0}, qy[3] = {0, 0.8, -0.8};
    double mass[3] = {1, 0.001, 0.001};
    for (int s = 0; s < 2000; s++) {
        double ax[3] = {0}, ay[3] = {0};
        for (int i = 0; i < 3; i++)
            for (int j = 0; j < 3; j++) {
                if (i == j)
                    continue;
                double dx = px[j] - px[i], dy = py[j] - py[i];
                double r2 = dx * dx + dy * dy + 1e-9, r = __builtin_sqrt(r2);
                double f = mass[j] / (r2 * r);
                ax[i] += f * dx;
                ay[i] += f * dy;
            }
        for (int i = 0; i < 3; i++) {
            qx[i] += ax[i] * 0.001;
            qy[i] += ay[i] * 0.001;
            px[i] += qx[i] * 0.001;
            py[i] += qy[i] * 0.001;
        }
    }
    for (int i = 0; i < 3; i++) {
        char what[32];
        rt_snprintf(what, sizeof what, "body %d x", i);
        pd(what, px[i]);
        rt_snprintf(what, sizeof what, "body %d y", i);
        pd(what, py[i]);
    }
}

static void mandelbrot(void)
{
    rt_printf("# mandelbrot\n");
    long total = 0;
    for (int row = 0; row < 12; row++) {
        char line[49];
        for (int col = 0; col < 48; col++) {
            float cr = -2.2f + col * (3.0f / 48), ci = -1.2f + row * (2.4f / 12);
            float zr = 0, zi = 0;
            int it = 0;
            while (it < 60 && zr * zr + zi * zi < 4) {
                float t = zr * zr - zi * zi + cr;
                zi = 2 * zr * zi + ci;
                zr = t;
                it++;
            }
            total += it;
            line[col] = " .,:;ox%#@"[it * 9 / 60];
        }
        line[48] = 0;
        rt_printf("%s\n", line);
    }
    pi64("mandelbrot iterations", total);
}

/* Edge cases of compiled code: comparisons with NaN, signed zeros, min/max via the C
   operators, fused contraction of a*b+c. */
static void edges(void)
{
    rt_printf("# edge cases\n");
    volatile double nan = opaque_d(0.0) / opaque_d(0.0), inf = 1.0 / opaque_d(0.0), nz = -opaque_d(0.0);
    rt_printf("nan==nan %d nan<1 %d nan!=nan %d inf>1e308 %d -0==0 %d\n", nan == nan, nan < 1,
              nan != nan, inf > 1e308, nz == 0.0);
    pd("0/0", nan);
    pd("1/0", inf);
    pd("-0 + 0", nz + 0.0);
    pd("-0 * 5", nz * 5);
    pd("inf - inf", inf - inf);
    double a = opaque_d(1.0 + 1e-8), b = opaque_d(1.0 - 1e-8), c = opaque_d(-1.0);
    pd("a*b + c (contracted?)", a * b + c);
    pd("fma(a, b, c)", __builtin_fma(a, b, c));
    float fa = opaque_f(16777216.0f);
    pf("2^24 + 1 (float)", fa + 1.0f);
    pf("2^24 + 2 (float)", fa + 2.0f);
    pf("copysign(3, -0)", __builtin_copysignf(3.0f, (float)nz));
}

int main(unsigned long hartid, void *dtb)
{
    (void)hartid;
    (void)dtb;
    rt_printf("fpcalc\n");
    series();
    roots();
    elementary();
    matrices();
    conversions();
    raytrace();
    physics();
    mandelbrot();
    edges();
    rt_printf("checksum %016lx\n", checksum);
    rt_printf("done\n");
    return 0;
}
