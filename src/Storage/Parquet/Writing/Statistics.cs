using System.Runtime.InteropServices;
using Amber.Storage.Parquet.Format;

namespace Amber.Storage.Parquet.Writing;

/// <summary>Chunk min/max in the plain encoding of each type, per parquet-format's statistics rules.</summary>
internal static class Statistics
{
    public static ColumnStatistics Of(ReadOnlySpan<bool> values)
    {
        if (values.IsEmpty) return new ColumnStatistics();
        bool any = false, all = true;
        foreach (var v in values)
        {
            any |= v;
            all &= v;
        }
        return new ColumnStatistics { MinValue = [all ? (byte)1 : (byte)0], MaxValue = [any ? (byte)1 : (byte)0] };
    }

    public static ColumnStatistics Of(ReadOnlySpan<int> values)
    {
        if (values.IsEmpty) return new ColumnStatistics();
        int min = int.MaxValue, max = int.MinValue;
        foreach (var v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new ColumnStatistics { MinValue = Bytes(min), MaxValue = Bytes(max) };
    }

    public static ColumnStatistics Of(ReadOnlySpan<long> values)
    {
        if (values.IsEmpty) return new ColumnStatistics();
        long min = long.MaxValue, max = long.MinValue;
        foreach (var v in values)
        {
            if (v < min) min = v;
            if (v > max) max = v;
        }
        return new ColumnStatistics { MinValue = Bytes(min), MaxValue = Bytes(max) };
    }

    public static ColumnStatistics Of(ReadOnlySpan<float> values)
    {
        // NaN is not ordered, so it never becomes a bound; an all-NaN chunk gets no bounds.
        float min = float.PositiveInfinity, max = float.NegativeInfinity;
        bool seen = false;
        foreach (var v in values)
        {
            if (float.IsNaN(v)) continue;
            seen = true;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (!seen) return new ColumnStatistics();
        // The spec asks for -0.0 as a zero minimum and +0.0 as a zero maximum, so either zero falls inside the bounds.
        if (min == 0) min = -0.0f;
        if (max == 0) max = 0.0f;
        return new ColumnStatistics { MinValue = Bytes(min), MaxValue = Bytes(max) };
    }

    public static ColumnStatistics Of(ReadOnlySpan<double> values)
    {
        double min = double.PositiveInfinity, max = double.NegativeInfinity;
        bool seen = false;
        foreach (var v in values)
        {
            if (double.IsNaN(v)) continue;
            seen = true;
            if (v < min) min = v;
            if (v > max) max = v;
        }
        if (!seen) return new ColumnStatistics();
        if (min == 0) min = -0.0;
        if (max == 0) max = 0.0;
        return new ColumnStatistics { MinValue = Bytes(min), MaxValue = Bytes(max) };
    }

    private static byte[] Bytes<T>(T value) where T : unmanaged => MemoryMarshal.AsBytes(new ReadOnlySpan<T>(in value)).ToArray();
}
