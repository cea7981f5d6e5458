namespace Amber.Storage.Parquet.Encoding;

/// <summary>Decodes the RLE / bit-packed hybrid encoding into a caller-owned buffer.</summary>
public static class RleBitPackedDecoder
{
    /// <summary>
    /// Decodes exactly <paramref name="destination"/>.Length values of <paramref name="bitWidth"/> bits from
    /// <paramref name="source"/>; returns the bytes consumed. Padding in the last bit-packed group is ignored.
    /// </summary>
    public static int Decode(ReadOnlySpan<byte> source, int bitWidth, Span<int> destination)
    {
        int pos = 0, produced = 0;
        int valueBytes = (bitWidth + 7) / 8;
        uint mask = bitWidth == 32 ? uint.MaxValue : (1u << bitWidth) - 1;
        while (produced < destination.Length)
        {
            uint header = VarInt.Read(source, ref pos);
            if ((header & 1) == 0)
            {
                int count = (int)(header >> 1);
                if (pos + valueBytes > source.Length) throw new InvalidDataException("RLE/bit-packed hybrid: RLE run value runs past the end of the page");
                int value = 0;
                for (int i = 0; i < valueBytes; i++) value |= source[pos + i] << (8 * i);
                pos += valueBytes;
                int take = Math.Min(count, destination.Length - produced);
                destination.Slice(produced, take).Fill(value);
                produced += take;
            }
            else
            {
                int groups = (int)(header >> 1);
                int bytes = groups * bitWidth;
                if (pos + bytes > source.Length) throw new InvalidDataException($"RLE/bit-packed hybrid: bit-packed run of {groups} groups needs {bytes} bytes, {source.Length - pos} remain");
                int values = groups * 8;
                ulong acc = 0;
                int accBits = 0, p = pos;
                for (int i = 0; i < values; i++)
                {
                    while (accBits < bitWidth)
                    {
                        acc |= (ulong)source[p++] << accBits;
                        accBits += 8;
                    }
                    if (produced < destination.Length) destination[produced++] = (int)((uint)acc & mask);
                    acc >>= bitWidth;
                    accBits -= bitWidth;
                }
                pos += bytes;
            }
        }
        return pos;
    }
}
