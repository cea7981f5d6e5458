using System.Buffers.Binary;
using System.Text;
using Amber.Data.IO;

namespace Amber.Data.Npy;

/// <summary>
/// Writes float32 arrays as NPY (<c>&lt;f4</c>, C order): version 1.0, or 2.0 when the header does not fit in 65,535 bytes.
/// The header is space-padded so the data starts on a 64-byte boundary, as numpy does.
/// </summary>
public static class NpyWriter
{
    /// <summary>Writes to a stream.</summary>
    public static void Write(Stream stream, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        long count = 1;
        foreach (var d in shape) count *= d;
        if (count != data.Length) throw new ArgumentException($"shape ({string.Join(", ", shape.ToArray())}) holds {count} values but {data.Length} were given");
        var shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape.ToArray()) + ")";
        var dict = $"{{'descr': '<f4', 'fortran_order': False, 'shape': {shapeText}, }}";
        int major = dict.Length + 11 > ushort.MaxValue ? 2 : 1;
        int prefix = major == 1 ? 10 : 12;
        int total = (prefix + dict.Length + 1 + 63) / 64 * 64;
        var header = dict + new string(' ', total - prefix - dict.Length - 1) + "\n";
        var head = new byte[prefix];
        head[0] = 0x93;
        "NUMPY"u8.CopyTo(head.AsSpan(1));
        head[6] = (byte)major;
        if (major == 1) BinaryPrimitives.WriteUInt16LittleEndian(head.AsSpan(8), (ushort)header.Length);
        else BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(8), (uint)header.Length);
        stream.Write(head);
        stream.Write(Encoding.Latin1.GetBytes(header));
        var buffer = new byte[Math.Min(data.Length, 1 << 14) * 4];
        for (int i = 0; i < data.Length; i += buffer.Length / 4)
        {
            int n = Math.Min(buffer.Length / 4, data.Length - i);
            for (int k = 0; k < n; k++) BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(4 * k), data[i + k]);
            stream.Write(buffer, 0, 4 * n);
        }
    }

    /// <summary>Writes a file atomically.</summary>
    public static void Write(string path, float[] data, int[] shape) => AtomicFile.Write(path, s => Write(s, data, shape));

    /// <summary>The NPY bytes of an array.</summary>
    public static byte[] ToBytes(ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        using var ms = new MemoryStream();
        Write(ms, data, shape);
        return ms.ToArray();
    }
}
