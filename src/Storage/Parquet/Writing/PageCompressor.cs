using System.IO.Compression;
using Amber.Storage.Parquet.Format;

namespace Amber.Storage.Parquet.Writing;

/// <summary>Compresses and decompresses page bodies with a Parquet codec.</summary>
public static class PageCompressor
{
    /// <summary>Compresses <paramref name="data"/>; UNCOMPRESSED returns a copy.</summary>
    public static byte[] Compress(CompressionCodec codec, ReadOnlySpan<byte> data, CompressionLevel gzipLevel = CompressionLevel.Fastest)
    {
        switch (codec)
        {
            case CompressionCodec.Uncompressed:
                return data.ToArray();
            case CompressionCodec.Snappy:
                return IronSnappy.Snappy.Encode(data);
            case CompressionCodec.Gzip:
                using (var ms = new MemoryStream(data.Length / 2 + 64))
                {
                    using (var gz = new GZipStream(ms, gzipLevel, leaveOpen: true)) gz.Write(data);
                    return ms.ToArray();
                }
            default:
                throw new ArgumentOutOfRangeException(nameof(codec), codec, "supported codecs: UNCOMPRESSED, SNAPPY, GZIP");
        }
    }

    /// <summary>Decompresses a page body of known uncompressed size.</summary>
    public static byte[] Decompress(CompressionCodec codec, ReadOnlySpan<byte> data, int uncompressedSize)
    {
        byte[] result = codec switch
        {
            CompressionCodec.Uncompressed => data.ToArray(),
            CompressionCodec.Snappy => IronSnappy.Snappy.Decode(data),
            CompressionCodec.Gzip => Gunzip(data, uncompressedSize),
            _ => throw new InvalidDataException($"compression codec {(int)codec} is not supported (UNCOMPRESSED, SNAPPY, GZIP are)"),
        };
        if (result.Length != uncompressedSize)
            throw new InvalidDataException($"{codec} page decompressed to {result.Length} bytes; the page header promised {uncompressedSize}");
        return result;
    }

    private static byte[] Gunzip(ReadOnlySpan<byte> data, int size)
    {
        var result = new byte[size];
        using var gz = new GZipStream(new MemoryStream(data.ToArray()), CompressionMode.Decompress);
        int n = gz.ReadAtLeast(result, size, throwOnEndOfStream: false);
        if (n != size) throw new InvalidDataException($"GZIP page decompressed to {n} bytes; the page header promised {size}");
        return result;
    }
}
