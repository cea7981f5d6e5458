using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;

namespace Amber.Training.Numerics;

/// <summary>
/// Row-major general matrix multiply <c>C = alpha · op(A) · op(B) + beta · C</c> (the cblas contract), dispatched to
/// OpenBLAS when it is loaded and to a managed SIMD kernel otherwise.
/// </summary>
/// <remarks>Legend: op(A) is [M, K], op(B) is [K, N], C is [M, N]; lda/ldb/ldc are row strides in elements.</remarks>
public static class Gemm
{
    [ThreadStatic]
    private static bool t_forceManaged;

    /// <summary>
    /// When true, calls made on the current thread take the managed path even if OpenBLAS is loaded (to compare the two
    /// without disturbing other threads).
    /// </summary>
    public static bool ForceManaged
    {
        get => t_forceManaged;
        set => t_forceManaged = value;
    }

    /// <summary>Computes <c>C = alpha · op(A) · op(B) + beta · C</c>.</summary>
    public static unsafe void Multiply<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (m == 0 || n == 0)
        {
            return;
        }
        Validate(transA, m, k, a.Length, lda, "A");
        Validate(transB, k, n, b.Length, ldb, "B");
        Validate(false, m, n, c.Length, ldc, "C");
        if (OpenBlas.IsAvailable && !t_forceManaged)
        {
            fixed (T* pa = a, pb = b, pc = c)
            {
                if (typeof(T) == typeof(float))
                {
                    OpenBlas.Sgemm32(transA, transB, m, n, k, float.CreateTruncating(alpha), (float*)pa, lda, (float*)pb, ldb,
                        float.CreateTruncating(beta), (float*)pc, ldc);
                    return;
                }
                if (typeof(T) == typeof(double))
                {
                    OpenBlas.Dgemm64(transA, transB, m, n, k, double.CreateTruncating(alpha), (double*)pa, lda, (double*)pb, ldb,
                        double.CreateTruncating(beta), (double*)pc, ldc);
                    return;
                }
            }
        }
        Managed(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    private static void Validate(bool trans, int rows, int cols, int length, int ld, string name)
    {
        var (storedRows, storedCols) = trans ? (cols, rows) : (rows, cols);
        if (ld < storedCols || (storedRows > 0 && (long)(storedRows - 1) * ld + storedCols > length))
        {
            throw new ArgumentException(
                $"GEMM operand {name}: {storedRows}x{storedCols} with row stride {ld} needs {(long)(storedRows - 1) * ld + storedCols} elements, the span has {length}.");
        }
    }

    /// <summary>The managed kernel: rows of C are built with SIMD axpy (B not transposed) or dot products (B transposed).</summary>
    internal static void Managed<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        for (var i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == T.Zero)
            {
                row.Clear();
            }
            else if (beta != T.One)
            {
                TensorPrimitives.Multiply(row, beta, row);
            }
            if (transB)
            {
                // B stored [N, K]: C[i, j] += alpha · dot(op(A) row i, B row j).
                for (var j = 0; j < n; j++)
                {
                    var bRow = b.Slice(j * ldb, k);
                    T dot;
                    if (!transA)
                    {
                        dot = TensorPrimitives.Dot(a.Slice(i * lda, k), bRow);
                    }
                    else
                    {
                        dot = T.Zero;
                        for (var p = 0; p < k; p++)
                        {
                            dot += a[p * lda + i] * bRow[p];
                        }
                    }
                    row[j] += alpha * dot;
                }
            }
            else
            {
                // B stored [K, N]: C[i, :] += alpha · A[i, p] · B[p, :], vectorised along N.
                for (var p = 0; p < k; p++)
                {
                    var aip = alpha * (transA ? a[p * lda + i] : a[i * lda + p]);
                    if (aip == T.Zero)
                    {
                        continue;
                    }
                    Axpy(row, b.Slice(p * ldb, n), aip);
                }
            }
        }
    }

    private static void Axpy<T>(Span<T> y, ReadOnlySpan<T> x, T a) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var i = 0;
        if (Vector.IsHardwareAccelerated && y.Length >= Vector<T>.Count)
        {
            var va = new Vector<T>(a);
            var yv = MemoryMarshal.Cast<T, Vector<T>>(y);
            var xv = MemoryMarshal.Cast<T, Vector<T>>(x);
            for (var v = 0; v < yv.Length; v++)
            {
                yv[v] += va * xv[v];
            }
            i = yv.Length * Vector<T>.Count;
        }
        for (; i < y.Length; i++)
        {
            y[i] += a * x[i];
        }
    }
}
