namespace Amber.Grains.Statistics;

/// <summary>
/// The Student t distribution's upper tail, through the regularised incomplete beta function
/// (P(T &gt; t) = ½·I_{ν/(ν+t²)}(ν/2, ½) for t ≥ 0), evaluated by its continued fraction (modified Lentz).
/// </summary>
public static class StudentT
{
    /// <summary>P(T &gt; <paramref name="t"/>) for T ~ t(<paramref name="degreesOfFreedom"/>).</summary>
    public static double UpperTail(double t, double degreesOfFreedom)
    {
        if (!(degreesOfFreedom > 0)) throw new ArgumentOutOfRangeException(nameof(degreesOfFreedom), degreesOfFreedom, "degrees of freedom must be positive");
        if (double.IsPositiveInfinity(t)) return 0;
        if (double.IsNegativeInfinity(t)) return 1;
        double tail = 0.5 * RegularizedBeta(degreesOfFreedom / (degreesOfFreedom + t * t), degreesOfFreedom / 2, 0.5);
        return t >= 0 ? tail : 1 - tail;
    }

    /// <summary>I_x(a, b), the regularised incomplete beta function.</summary>
    public static double RegularizedBeta(double x, double a, double b)
    {
        if (x <= 0) return 0;
        if (x >= 1) return 1;
        double logFront = LogGamma(a + b) - LogGamma(a) - LogGamma(b) + a * Math.Log(x) + b * Math.Log(1 - x);
        // The continued fraction converges fast for x < (a+1)/(a+b+2); otherwise use the symmetry I_x(a,b) = 1 − I_{1−x}(b,a).
        if (x < (a + 1) / (a + b + 2)) return Math.Exp(logFront) * ContinuedFraction(x, a, b) / a;
        return 1 - Math.Exp(logFront) * ContinuedFraction(1 - x, b, a) / b;
    }

    private static double ContinuedFraction(double x, double a, double b)
    {
        const double Tiny = 1e-300, Epsilon = 1e-15;
        double c = 1, d = 1 - (a + b) * x / (a + 1);
        if (Math.Abs(d) < Tiny) d = Tiny;
        d = 1 / d;
        double h = d;
        for (int m = 1; m <= 300; m++)
        {
            int m2 = 2 * m;
            double even = m * (b - m) * x / ((a + m2 - 1) * (a + m2));
            d = 1 + even * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + even / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            h *= d * c;
            double odd = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1));
            d = 1 + odd * d; if (Math.Abs(d) < Tiny) d = Tiny;
            c = 1 + odd / c; if (Math.Abs(c) < Tiny) c = Tiny;
            d = 1 / d;
            double step = d * c;
            h *= step;
            if (Math.Abs(step - 1) < Epsilon) break;
        }
        return h;
    }

    /// <summary>ln Γ(x) for x &gt; 0 (Lanczos, g = 7, 9 terms; relative error below 1e-15).</summary>
    public static double LogGamma(double x)
    {
        if (x < 0.5) return Math.Log(Math.PI / Math.Sin(Math.PI * x)) - LogGamma(1 - x);
        ReadOnlySpan<double> c =
        [
            0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
            12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
        ];
        x -= 1;
        double sum = c[0];
        for (int i = 1; i < c.Length; i++) sum += c[i] / (x + i);
        double t = x + 7.5;
        return 0.5 * Math.Log(2 * Math.PI) + (x + 0.5) * Math.Log(t) - t + Math.Log(sum);
    }
}
