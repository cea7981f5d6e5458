using System.Runtime.InteropServices;

namespace Amber.Training.Numerics;

/// <summary>
/// OpenBLAS loaded at run time with <see cref="NativeLibrary"/> so the engine still works (through the managed kernels)
/// on machines without the Debian package. Calls go through unmanaged function pointers: no marshalling, no allocation.
/// </summary>
public static unsafe class OpenBlas
{
    private const int RowMajor = 101;
    private const int NoTrans = 111;
    private const int Trans = 112;

    private static readonly delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void> Sgemm;
    private static readonly delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void> Dgemm;
    private static readonly delegate* unmanaged<int, void> SetThreads;
    private static readonly delegate* unmanaged<int> GetThreads;

    /// <summary>Where the library was loaded from, or null when it is absent.</summary>
    public static string? LoadedFrom { get; }

    /// <summary>True when OpenBLAS was found and its GEMM entry points resolved.</summary>
    public static bool IsAvailable => LoadedFrom is not null;

    static OpenBlas()
    {
        // AMBER_NO_BLAS lets tests and users force the managed kernels without uninstalling the package.
        if (Environment.GetEnvironmentVariable("AMBER_NO_BLAS") is "1" or "true")
        {
            return;
        }
        string[] candidates =
        [
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
            "libopenblas.so.0",
            "libopenblas.so",
        ];
        foreach (var candidate in candidates)
        {
            if (!NativeLibrary.TryLoad(candidate, out var handle))
            {
                continue;
            }
            if (NativeLibrary.TryGetExport(handle, "cblas_sgemm", out var s) &&
                NativeLibrary.TryGetExport(handle, "cblas_dgemm", out var d))
            {
                Sgemm = (delegate* unmanaged<int, int, int, int, int, int, float, float*, int, float*, int, float, float*, int, void>)s;
                Dgemm = (delegate* unmanaged<int, int, int, int, int, int, double, double*, int, double*, int, double, double*, int, void>)d;
                if (NativeLibrary.TryGetExport(handle, "openblas_set_num_threads", out var set))
                {
                    SetThreads = (delegate* unmanaged<int, void>)set;
                }
                if (NativeLibrary.TryGetExport(handle, "openblas_get_num_threads", out var get))
                {
                    GetThreads = (delegate* unmanaged<int>)get;
                }
                LoadedFrom = candidate;
                return;
            }
        }
    }

    /// <summary>Number of threads OpenBLAS uses for one call (1 when the library is absent).</summary>
    public static int Threads
    {
        get => GetThreads != null ? GetThreads() : 1;
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value, "OpenBLAS thread count must be at least 1.");
            }
            if (SetThreads != null)
            {
                SetThreads(value);
            }
        }
    }

    internal static void Sgemm32(bool transA, bool transB, int m, int n, int k, float alpha, float* a, int lda, float* b, int ldb, float beta, float* c, int ldc)
        => Sgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

    internal static void Dgemm64(bool transA, bool transB, int m, int n, int k, double alpha, double* a, int lda, double* b, int ldb, double beta, double* c, int ldc)
        => Dgemm(RowMajor, transA ? Trans : NoTrans, transB ? Trans : NoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
