namespace Amber.Training.Tests.Support;

/// <summary>Central finite differences in double precision.</summary>
internal static class FiniteDifference
{
    public const double Step = 1e-6;

    /// <summary>∂f/∂x[i] by (f(x + h) − f(x − h)) / 2h, restoring x[i] afterwards.</summary>
    public static double Partial(double[] x, int i, Func<double> f)
    {
        var original = x[i];
        x[i] = original + Step;
        var plus = f();
        x[i] = original - Step;
        var minus = f();
        x[i] = original;
        return (plus - minus) / (2 * Step);
    }

    /// <summary>Asserts an analytic gradient against finite differences at every index (or every k-th for large buffers).</summary>
    public static void Check(double[] x, ReadOnlySpan<double> analytic, Func<double> f, string what, int stride = 1, double tolerance = 1e-6)
    {
        for (var i = 0; i < x.Length; i += stride)
        {
            var numeric = Partial(x, i, f);
            var scale = Math.Max(1.0, Math.Abs(numeric));
            Assert.True(Math.Abs(numeric - analytic[i]) <= tolerance * scale,
                $"{what}[{i}]: finite difference {numeric:G12}, analytic {analytic[i]:G12}");
        }
    }

    public static double[] Random(int n, int seed, double scale = 1.0)
    {
        var r = new Random(seed);
        var x = new double[n];
        for (var i = 0; i < n; i++)
        {
            x[i] = (r.NextDouble() * 2 - 1) * scale;
        }
        return x;
    }

    /// <summary>Σ w·y: a scalar objective with random weights so every output element matters.</summary>
    public static double Weighted(ReadOnlySpan<double> y, ReadOnlySpan<double> w)
    {
        var s = 0.0;
        for (var i = 0; i < y.Length; i++)
        {
            s += y[i] * w[i];
        }
        return s;
    }
}
