namespace Amber.Grains.Sampling.Tpe;

/// <summary>
/// The normal distribution truncated to [low, high]: its log density and a sampler. .NET has no erf, so the normal CDF
/// uses the Chebyshev-fitted erfc of Numerical Recipes (fractional error below 1.2e-7 everywhere), which is far finer than
/// what the acquisition ratio of TPE can tell apart.
/// </summary>
public static class TruncatedNormal
{
    private const double LogSqrt2Pi = 0.91893853320467274178;

    /// <summary>log of the density at <paramref name="x"/> of N(mu, sigma²) truncated to [low, high].</summary>
    public static double LogPdf(double x, double mu, double sigma, double logMass)
    {
        double z = (x - mu) / sigma;
        return -0.5 * z * z - Math.Log(sigma) - LogSqrt2Pi - logMass;
    }

    /// <summary>log of the mass N(mu, sigma²) puts on [low, high] (the truncation's normaliser).</summary>
    public static double LogMass(double mu, double sigma, double low, double high)
    {
        double mass = Cdf((high - mu) / sigma) - Cdf((low - mu) / sigma);
        return Math.Log(Math.Max(mass, 1e-300));
    }

    /// <summary>The standard normal CDF.</summary>
    public static double Cdf(double z) => 0.5 * Erfc(-z / Math.Sqrt(2));

    /// <summary>The complementary error function.</summary>
    public static double Erfc(double x)
    {
        double z = Math.Abs(x);
        double t = 1 / (1 + 0.5 * z);
        double r = t * Math.Exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
            t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
        return x >= 0 ? r : 2 - r;
    }

    /// <summary>
    /// A draw from N(mu, sigma²) truncated to [low, high] by rejection. The TPE's components have their mean inside the
    /// range and sigma at most its width, so at least about a third of the draws land inside; after 64 misses the draw is
    /// clamped, which keeps the sampler total without bending the distribution in any case that occurs.
    /// </summary>
    public static double Sample(Random rng, double mu, double sigma, double low, double high)
    {
        for (int i = 0; i < 64; i++)
        {
            double x = mu + sigma * StandardNormal(rng);
            if (x >= low && x <= high) return x;
        }
        return Math.Clamp(mu, low, high);
    }

    /// <summary>One standard normal draw (Box–Muller).</summary>
    public static double StandardNormal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}
