namespace Amber.Training.Numerics;

/// <summary>
/// Counter-based random numbers: a value is a pure function of (seed, stream, counter). Dropout masks and shuffles then
/// need no saved generator state (resume is exact) and a data-parallel rank can draw the mask of any global row.
/// </summary>
public static class CounterRandom
{
    /// <summary>SplitMix64 finaliser of the combined key.</summary>
    public static ulong Hash(ulong seed, ulong stream, ulong counter)
    {
        var z = seed * 0x9E3779B97F4A7C15UL ^ (stream + 0x632BE59BD9B4E019UL) * 0xBF58476D1CE4E5B9UL ^ counter * 0x94D049BB133111EBUL;
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) from the top 53 bits of the hash.</summary>
    public static double Uniform(ulong seed, ulong stream, ulong counter) => (Hash(seed, stream, counter) >> 11) * (1.0 / (1UL << 53));

    /// <summary>A seeded Fisher–Yates permutation of 0..n-1 written into <paramref name="destination"/>.</summary>
    public static void Permutation(Span<int> destination, ulong seed, ulong stream)
    {
        for (var i = 0; i < destination.Length; i++)
        {
            destination[i] = i;
        }
        for (var i = destination.Length - 1; i > 0; i--)
        {
            var j = (int)(Hash(seed, stream, (ulong)i) % (ulong)(i + 1));
            (destination[i], destination[j]) = (destination[j], destination[i]);
        }
    }
}
