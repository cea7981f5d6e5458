namespace Amber.Data.Synthetic;

/// <summary>Seeded draws the generator needs; <see cref="Random"/> with an explicit seed is stable across .NET runs.</summary>
internal static class Sampling
{
    /// <summary>A per-item seed derived from the corpus seed so items can be generated in any order or in parallel.</summary>
    public static int Derive(int seed, int stream, int index)
    {
        ulong h = 1469598103934665603UL;
        foreach (var v in new[] { seed, stream, index })
        {
            h ^= (uint)v;
            h *= 1099511628211UL;
            h ^= h >> 29;
        }
        return (int)(h & 0x7FFFFFFF);
    }

    public static double Normal(Random rng)
    {
        double u1 = 1.0 - rng.NextDouble();
        double u2 = rng.NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }

    public static double[] Dirichlet(Random rng, ReadOnlySpan<double> alpha)
    {
        var x = new double[alpha.Length];
        double sum = 0;
        for (int i = 0; i < alpha.Length; i++)
        {
            x[i] = MathNet.Numerics.Distributions.Gamma.Sample(rng, alpha[i], 1.0);
            sum += x[i];
        }
        if (sum <= 0)
        {
            // Every gamma draw underflowed (tiny alphas): fall back to the largest alpha's class.
            int best = 0;
            for (int i = 1; i < alpha.Length; i++) if (alpha[i] > alpha[best]) best = i;
            x[best] = 1;
            return x;
        }
        for (int i = 0; i < x.Length; i++) x[i] /= sum;
        return x;
    }

    public static int Categorical(Random rng, ReadOnlySpan<double> p)
    {
        double u = rng.NextDouble(), acc = 0;
        for (int i = 0; i < p.Length; i++)
        {
            acc += p[i];
            if (u < acc) return i;
        }
        return p.Length - 1;
    }
}
