using Amber.Storage.Parquet.Format;

namespace Amber.Storage.Parquet.Writing;

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
