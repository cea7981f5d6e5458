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

/// <summary>Strings encoded once to UTF-8, back to back, with offsets: the source of plain pages and of statistics.</summary>
internal sealed class Utf8Values
{
    private readonly byte[] _bytes;
    private readonly int[] _offsets;

    private Utf8Values(byte[] bytes, int[] offsets)
    {
        _bytes = bytes;
        _offsets = offsets;
    }

    public static Utf8Values Encode(ReadOnlySpan<string> values)
    {
        // One pass: size the buffer for ASCII (the common case) and grow only when a string needs more bytes.
        var offsets = new int[values.Length + 1];
        long chars = 0;
        foreach (var v in values) chars += v.Length;
        var bytes = new byte[checked((int)Math.Min(int.MaxValue, chars + 16))];
        int pos = 0;
        for (int i = 0; i < values.Length; i++)
        {
            int written;
            while (!System.Text.Encoding.UTF8.TryGetBytes(values[i], bytes.AsSpan(pos), out written))
                Array.Resize(ref bytes, checked((int)Math.Min(int.MaxValue, Math.Max(2L * bytes.Length, pos + 3L * values[i].Length + 16))));
            pos += written;
            offsets[i + 1] = pos;
        }
        return new Utf8Values(bytes, offsets);
    }

    public int Length(int index) => _offsets[index + 1] - _offsets[index];

    private ReadOnlySpan<byte> Get(int index) => _bytes.AsSpan(_offsets[index], Length(index));

    /// <summary>PLAIN BYTE_ARRAY: 4-byte little-endian length, then the bytes, per value.</summary>
    public void WritePlain(int from, int to, System.Buffers.ArrayBufferWriter<byte> output)
    {
        int size = 4 * (to - from) + (_offsets[to] - _offsets[from]);
        var span = output.GetSpan(size);
        int pos = 0;
        for (int i = from; i < to; i++)
        {
            var v = Get(i);
            System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(span[pos..], v.Length);
            v.CopyTo(span[(pos + 4)..]);
            pos += 4 + v.Length;
        }
        output.Advance(size);
    }

    /// <summary>Bounds by unsigned byte order of the UTF-8, the order parquet-format defines for STRING.</summary>
    public ColumnStatistics Statistics(long nulls)
    {
        int count = _offsets.Length - 1;
        if (count == 0) return new ColumnStatistics { NullCount = nulls };
        int min = 0, max = 0;
        for (int i = 1; i < count; i++)
        {
            var v = Get(i);
            if (v.SequenceCompareTo(Get(min)) < 0) min = i;
            if (v.SequenceCompareTo(Get(max)) > 0) max = i;
        }
        return new ColumnStatistics { MinValue = Get(min).ToArray(), MaxValue = Get(max).ToArray(), NullCount = nulls };
    }
}
