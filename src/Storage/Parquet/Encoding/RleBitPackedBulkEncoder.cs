using System.Buffers;
using System.Numerics;

namespace Amber.Storage.Parquet.Encoding;

/// <summary>
/// Encodes a whole span with the RLE / bit-packed hybrid in one pass: the page writer always has all of a page's levels
/// or indices at hand, so runs can be measured directly instead of discovered value by value.
/// </summary>
public static class RleBitPackedBulkEncoder
{
    /// <summary>Appends the encoding of <paramref name="values"/> (each &lt; 2^<paramref name="bitWidth"/>) to <paramref name="output"/>.</summary>
    public static void Encode<T>(ReadOnlySpan<T> values, int bitWidth, ArrayBufferWriter<byte> output) where T : unmanaged, IBinaryInteger<T>
    {
        if (bitWidth is < 0 or > 32) throw new ArgumentOutOfRangeException(nameof(bitWidth), bitWidth, "bit width must be 0–32");
        int n = values.Length;
        int packedStart = 0; // first value not yet written; values from here to i are waiting to be bit-packed
        int i = 0;
        while (i < n)
        {
            var v = values[i];
            int j = i + 1;
            while (j < n && values[j] == v) j++;
            // A bit-packed segment must hold whole groups of 8, so a run first tops up the pending segment to a
            // multiple of 8 and becomes an RLE run only if at least 8 values are left after that.
            int pad = (8 - (i - packedStart) % 8) % 8;
            int rest = j - i - pad;
            if (rest >= 8)
            {
                WriteBitPacked(values[packedStart..(i + pad)], bitWidth, output);
                WriteRle(int.CreateTruncating(v), rest, bitWidth, output);
                packedStart = j;
            }
            i = j;
        }
        if (packedStart < n) WriteBitPacked(values[packedStart..], bitWidth, output);
    }

    private static void WriteRle(int value, int count, int bitWidth, ArrayBufferWriter<byte> output)
    {
        int valueBytes = (bitWidth + 7) / 8;
        var span = output.GetSpan(5 + valueBytes);
        int pos = VarInt.Write(span, (uint)count << 1);
        for (int b = 0; b < valueBytes; b++) span[pos++] = (byte)(value >> (8 * b));
        output.Advance(pos);
    }

    private static void WriteBitPacked<T>(ReadOnlySpan<T> values, int bitWidth, ArrayBufferWriter<byte> output) where T : unmanaged, IBinaryInteger<T>
    {
        if (values.IsEmpty) return;
        int groups = (values.Length + 7) / 8;
        int bytes = groups * bitWidth;
        var span = output.GetSpan(5 + bytes);
        int pos = VarInt.Write(span, ((uint)groups << 1) | 1);
        var packed = span.Slice(pos, bytes);
        packed.Clear();
        // Least significant bit first; the last group is zero-padded (readers stop at the page's value count).
        ulong acc = 0;
        int accBits = 0, o = 0;
        for (int k = 0; k < groups * 8; k++)
        {
            ulong v = k < values.Length ? ulong.CreateTruncating(values[k]) & (bitWidth == 32 ? uint.MaxValue : (1UL << bitWidth) - 1) : 0;
            acc |= v << accBits;
            accBits += bitWidth;
            while (accBits >= 8)
            {
                packed[o++] = (byte)acc;
                acc >>= 8;
                accBits -= 8;
            }
        }
        output.Advance(pos + bytes);
    }
}
