using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Amber.Storage.Parquet.Schema;

namespace Amber.Storage.Parquet.Reading;

/// <summary>PLAIN decoding per physical type.</summary>
internal static class PlainDecoder
{
    public static Type ElementType(ParquetColumn c) => c.Type switch
    {
        ParquetType.Boolean => typeof(bool),
        ParquetType.Int32 => typeof(int),
        ParquetType.Int64 or ParquetType.TimestampMicrosUtc => typeof(long),
        ParquetType.Float => typeof(float),
        ParquetType.Double => typeof(double),
        _ => typeof(string),
    };

    public static Array Decode(ParquetColumn column, ReadOnlySpan<byte> data, int count, string where)
    {
        switch (column.Type)
        {
            case ParquetType.Boolean:
                Need(data, (count + 7) / 8, count, where);
                var bools = new bool[count];
                for (int i = 0; i < count; i++) bools[i] = (data[i >> 3] & (1 << (i & 7))) != 0;
                return bools;
            case ParquetType.Int32: return Fixed<int>(data, count, where);
            case ParquetType.Int64 or ParquetType.TimestampMicrosUtc: return Fixed<long>(data, count, where);
            case ParquetType.Float: return Fixed<float>(data, count, where);
            case ParquetType.Double: return Fixed<double>(data, count, where);
            default:
                var strings = new string[count];
                int pos = 0;
                for (int i = 0; i < count; i++)
                {
                    Need(data[pos..], 4, count, where);
                    int n = BinaryPrimitives.ReadInt32LittleEndian(data[pos..]);
                    Need(data[(pos + 4)..], n, count, where);
                    strings[i] = System.Text.Encoding.UTF8.GetString(data.Slice(pos + 4, n));
                    pos += 4 + n;
                }
                return strings;
        }
    }

    private static T[] Fixed<T>(ReadOnlySpan<byte> data, int count, string where) where T : unmanaged
    {
        int size = Marshal.SizeOf<T>();
        Need(data, count * size, count, where);
        return MemoryMarshal.Cast<byte, T>(data[..(count * size)]).ToArray();
    }

    private static void Need(ReadOnlySpan<byte> data, int bytes, int count, string where)
    {
        if (data.Length < bytes) throw new InvalidDataException($"{where}: page too short for {count} PLAIN values ({data.Length} bytes left, {bytes} needed)");
    }
}
