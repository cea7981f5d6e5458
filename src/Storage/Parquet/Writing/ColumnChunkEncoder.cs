using System.Buffers;
using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Amber.Storage.Parquet.Encoding;
using Amber.Storage.Parquet.Format;
using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Thrift;

namespace Amber.Storage.Parquet.Writing;

/// <summary>A column chunk encoded into pages, ready to be appended to the file.</summary>
internal sealed class EncodedChunk
{
    public required ArrayBufferWriter<byte> Bytes { get; init; }
    public int DictionaryPageBytes { get; init; }
    public long UncompressedBytes { get; init; }
    public required List<ParquetEncoding> Encodings { get; init; }
    public required ColumnStatistics Statistics { get; init; }
    public long NumValues { get; init; }
}

/// <summary>
/// Turns one column's buffered row group into a column chunk: an optional dictionary page, then data pages of about
/// <see cref="ParquetWriterOptions.PageBytes"/> each, with chunk statistics.
/// </summary>
internal sealed class ColumnChunkEncoder
{
    private readonly ParquetWriterOptions _options;
    private readonly ColumnBuffer _buffer;
    private readonly ArrayBufferWriter<byte> _out = new();
    private readonly ArrayBufferWriter<byte> _levels = new();
    private readonly ArrayBufferWriter<byte> _values = new();
    private long _uncompressed;

    private ColumnChunkEncoder(ColumnBuffer buffer, ParquetWriterOptions options)
    {
        _buffer = buffer;
        _options = options;
    }

    /// <summary>Encodes the buffered rows of <paramref name="buffer"/>.</summary>
    public static EncodedChunk Encode(ColumnBuffer buffer, ParquetWriterOptions options)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("the Parquet writer assumes a little-endian machine");
        return new ColumnChunkEncoder(buffer, options).Run();
    }

    private EncodedChunk Run() => _buffer switch
    {
        PrimitiveColumnBuffer<bool> b => Fixed(b.Values, 0, Statistics.Of(b.Values), WriteBooleans),
        PrimitiveColumnBuffer<int> b => Fixed(b.Values, 4, Statistics.Of(b.Values), WriteRaw),
        PrimitiveColumnBuffer<long> b => Fixed(b.Values, 8, Statistics.Of(b.Values), WriteRaw),
        PrimitiveColumnBuffer<float> b => Fixed(b.Values, 4, Statistics.Of(b.Values), WriteRaw),
        PrimitiveColumnBuffer<double> b => Fixed(b.Values, 8, Statistics.Of(b.Values), WriteRaw),
        StringColumnBuffer s => Strings(s.Values),
        _ => throw new InvalidOperationException($"column '{_buffer.Column.Name}': no encoder for {_buffer.GetType().Name}"),
    };

    private delegate void ValueWriter<T>(ReadOnlySpan<T> values, ArrayBufferWriter<byte> output);

    private EncodedChunk Fixed<T>(ReadOnlySpan<T> values, int width, ColumnStatistics stats, ValueWriter<T> write) where T : unmanaged
    {
        // Booleans pack 8 per byte: count them as one byte each for page sizing, which keeps pages at PageBytes/8 bytes.
        int size = Math.Max(width, 1);
        foreach (var (r0, r1, v0, v1) in PlanPages(_ => size))
        {
            _values.ResetWrittenCount();
            write(values[v0..v1], _values);
            WriteDataPage(r0, r1, ParquetEncoding.Plain);
        }
        return Finish(0, [ParquetEncoding.Plain], stats);
    }

    private EncodedChunk Strings(ReadOnlySpan<string> values)
    {
        if (_buffer.Column.Dictionary && TryBuildDictionary(values, out var dictionary, out var indices))
        {
            var utf8 = Utf8Values.Encode(dictionary);
            _values.ResetWrittenCount();
            utf8.WritePlain(0, dictionary.Length, _values);
            var body = _values.WrittenSpan;
            var compressed = Compress(body);
            var stored = compressed is null ? body : compressed;
            WriteHeader(new PageHeader
            {
                Type = PageType.DictionaryPage,
                UncompressedPageSize = body.Length,
                CompressedPageSize = stored.Length,
                NumValues = dictionary.Length,
                Encoding = ParquetEncoding.Plain,
            });
            Append(stored, body.Length);
            int dictionaryBytes = _out.WrittenCount;

            int bitWidth = RleBitPackedEncoder.BitWidthOf(dictionary.Length - 1);
            int indexBytes = Math.Max(1, bitWidth / 8);
            foreach (var (r0, r1, v0, v1) in PlanPages(_ => indexBytes))
            {
                _values.ResetWrittenCount();
                _values.GetSpan(1)[0] = (byte)bitWidth;
                _values.Advance(1);
                RleBitPackedBulkEncoder.Encode<int>(indices.AsSpan(v0, v1 - v0), bitWidth, _values);
                WriteDataPage(r0, r1, ParquetEncoding.RleDictionary);
            }
            return Finish(dictionaryBytes, [ParquetEncoding.Plain, ParquetEncoding.RleDictionary], utf8.Statistics(_buffer.NullCount));
        }

        var all = Utf8Values.Encode(values);
        foreach (var (r0, r1, v0, v1) in PlanPages(v => 4 + all.Length(v)))
        {
            _values.ResetWrittenCount();
            all.WritePlain(v0, v1, _values);
            WriteDataPage(r0, r1, ParquetEncoding.Plain);
        }
        return Finish(0, [ParquetEncoding.Plain], all.Statistics(_buffer.NullCount));
    }

    private bool TryBuildDictionary(ReadOnlySpan<string> values, out string[] dictionary, out int[] indices)
    {
        // Callers usually pass the same string instances over and over (class names, session ids), so a lookup by
        // reference (cheap hash) comes first and the ordinal lookup (hashes the characters) only on a miss.
        var byReference = new Dictionary<string, int>(ReferenceEqualityComparer.Instance);
        var byValue = new Dictionary<string, int>(StringComparer.Ordinal);
        int referenceLimit = 4 * _options.MaxDictionaryEntries;
        indices = new int[values.Length];
        var entries = new List<string>();
        for (int i = 0; i < values.Length; i++)
        {
            var v = values[i];
            if (!byReference.TryGetValue(v, out int index))
            {
                if (!byValue.TryGetValue(v, out index))
                {
                    if (entries.Count >= _options.MaxDictionaryEntries)
                    {
                        dictionary = [];
                        return false;
                    }
                    index = entries.Count;
                    byValue.Add(v, index);
                    entries.Add(v);
                }
                if (byReference.Count < referenceLimit) byReference.Add(v, index);
            }
            indices[i] = index;
        }
        dictionary = entries.ToArray();
        return dictionary.Length > 0;
    }

    /// <summary>Splits the row group into pages: (first row, end row, first value, end value).</summary>
    private List<(int, int, int, int)> PlanPages(Func<int, int> valueBytes)
    {
        var pages = new List<(int, int, int, int)>();
        int rows = _buffer.RowCount;
        var levels = _buffer.DefinitionLevels;
        bool optional = _buffer.Column.Optional;
        int row = 0, value = 0;
        do
        {
            int r0 = row, v0 = value;
            long bytes = 0;
            while (row < rows && bytes < _options.PageBytes)
            {
                if (!optional || levels[row] == 1)
                {
                    bytes += valueBytes(value);
                    value++;
                }
                else
                {
                    bytes++;
                }
                row++;
            }
            pages.Add((r0, row, v0, value));
        }
        while (row < rows);
        return pages;
    }

    private void WriteDataPage(int r0, int r1, ParquetEncoding encoding)
    {
        int rows = r1 - r0;
        var levels = _buffer.DefinitionLevels;
        bool optional = _buffer.Column.Optional;
        _levels.ResetWrittenCount();
        int nulls = 0;
        if (optional)
        {
            var pageLevels = levels[r0..r1];
            nulls = pageLevels.Count((byte)0);
            RleBitPackedBulkEncoder.Encode(pageLevels, 1, _levels);
        }

        if (_options.DataPageVersion == 1)
        {
            // V1: [4-byte length + levels][values], compressed together. Required columns have no levels, so their
            // values buffer is the page body as is.
            byte[]? withLevels = null;
            if (optional)
            {
                withLevels = new byte[4 + _levels.WrittenCount + _values.WrittenCount];
                BinaryPrimitives.WriteInt32LittleEndian(withLevels, _levels.WrittenCount);
                _levels.WrittenSpan.CopyTo(withLevels.AsSpan(4));
                _values.WrittenSpan.CopyTo(withLevels.AsSpan(4 + _levels.WrittenCount));
            }
            ReadOnlySpan<byte> body = withLevels ?? _values.WrittenSpan;
            var compressed = Compress(body);
            var stored = compressed is null ? body : compressed;
            WriteHeader(new PageHeader
            {
                Type = PageType.DataPage,
                UncompressedPageSize = body.Length,
                CompressedPageSize = stored.Length,
                NumValues = rows,
                Encoding = encoding,
            });
            Append(stored, body.Length);
        }
        else
        {
            // V2: levels stay uncompressed in front so readers can skip to the values without decompressing.
            var compressed = Compress(_values.WrittenSpan);
            var stored = compressed is null ? _values.WrittenSpan : compressed;
            int levelBytes = _levels.WrittenCount;
            WriteHeader(new PageHeader
            {
                Type = PageType.DataPageV2,
                UncompressedPageSize = levelBytes + _values.WrittenCount,
                CompressedPageSize = levelBytes + stored.Length,
                NumValues = rows,
                NumNulls = nulls,
                NumRows = rows,
                Encoding = encoding,
                DefinitionLevelsByteLength = levelBytes,
                RepetitionLevelsByteLength = 0,
                IsCompressed = _options.Codec != CompressionCodec.Uncompressed,
            });
            Append(_levels.WrittenSpan, levelBytes);
            Append(stored, _values.WrittenCount);
        }
    }

    /// <summary>The compressed bytes, or null for UNCOMPRESSED (the caller then stores the input as is, without a copy).</summary>
    private byte[]? Compress(ReadOnlySpan<byte> data) =>
        _options.Codec == CompressionCodec.Uncompressed ? null : PageCompressor.Compress(_options.Codec, data, _options.GzipLevel);

    private void WriteHeader(PageHeader header)
    {
        int before = _out.WrittenCount;
        MetadataWriter.WritePageHeader(new ThriftCompactWriter(_out), header);
        _uncompressed += _out.WrittenCount - before;
    }

    private void Append(ReadOnlySpan<byte> bytes, int uncompressedLength)
    {
        bytes.CopyTo(_out.GetSpan(bytes.Length));
        _out.Advance(bytes.Length);
        _uncompressed += uncompressedLength;
    }

    private EncodedChunk Finish(int dictionaryBytes, List<ParquetEncoding> encodings, ColumnStatistics stats)
    {
        if (_buffer.Column.Optional || _options.DataPageVersion == 2) encodings.Add(ParquetEncoding.Rle);
        stats.NullCount = _buffer.NullCount;
        return new EncodedChunk
        {
            Bytes = _out,
            DictionaryPageBytes = dictionaryBytes,
            UncompressedBytes = _uncompressed,
            Encodings = encodings,
            Statistics = stats,
            NumValues = _buffer.RowCount,
        };
    }

    private static void WriteRaw<T>(ReadOnlySpan<T> values, ArrayBufferWriter<byte> output) where T : unmanaged
    {
        var bytes = MemoryMarshal.AsBytes(values);
        bytes.CopyTo(output.GetSpan(bytes.Length));
        output.Advance(bytes.Length);
    }

    private static void WriteBooleans(ReadOnlySpan<bool> values, ArrayBufferWriter<byte> output)
    {
        // PLAIN booleans are bit-packed, least significant bit first.
        int n = (values.Length + 7) / 8;
        var span = output.GetSpan(n)[..n];
        span.Clear();
        for (int i = 0; i < values.Length; i++)
            if (values[i]) span[i >> 3] |= (byte)(1 << (i & 7));
        output.Advance(n);
    }
}
