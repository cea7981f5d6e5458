using System.Buffers.Binary;
using Amber.Storage.Parquet.Encoding;
using Amber.Storage.Parquet.Format;
using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Thrift;
using Amber.Storage.Parquet.Writing;

namespace Amber.Storage.Parquet.Reading;

/// <summary>
/// Reads the flat Parquet files this project writes (and others of the same shape): PLAIN and dictionary encodings,
/// data page v1 and v2, UNCOMPRESSED/SNAPPY/GZIP, REQUIRED and OPTIONAL columns. Reads one row group at a time.
/// </summary>
public sealed class ParquetFileReader : IDisposable
{
    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly string _name;

    /// <summary>Reads from a seekable <paramref name="stream"/>; <paramref name="name"/> appears in error messages.</summary>
    public ParquetFileReader(Stream stream, string name, bool ownsStream = false)
    {
        if (!stream.CanSeek) throw new ArgumentException($"{name}: reading Parquet needs a seekable stream (the footer is at the end)", nameof(stream));
        _stream = stream;
        _name = name;
        _ownsStream = ownsStream;
        Metadata = ReadFooter();
        if (Metadata.Schema.Count < 2)
            throw new InvalidDataException($"{name}: schema has no columns");
        var leaves = Metadata.Schema.Skip(1).ToList();
        if (leaves.Any(e => e.NumChildren is > 0) || Metadata.Schema[0].NumChildren != leaves.Count)
            throw new InvalidDataException($"{name}: nested schema; this reader handles flat files only (root with {Metadata.Schema[0].NumChildren} children, {leaves.Count} elements)");
        Schema = new ParquetSchema(leaves.Select(e => ParquetColumn.FromSchemaElement(e, name)));
        KeyValueMetadata = Metadata.KeyValueMetadata.GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);
    }

    /// <summary>Opens a file.</summary>
    public static ParquetFileReader Open(string path)
    {
        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            return new ParquetFileReader(stream, path, ownsStream: true);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>The raw footer.</summary>
    public FileMetadata Metadata { get; }

    /// <summary>The columns.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Footer key/value metadata (last value wins for a repeated key).</summary>
    public IReadOnlyDictionary<string, string> KeyValueMetadata { get; }

    /// <summary>Total rows.</summary>
    public long RowCount => Metadata.NumRows;

    /// <summary>Row groups.</summary>
    public int RowGroupCount => Metadata.RowGroups.Count;

    /// <summary>Reads every column of row group <paramref name="index"/>.</summary>
    public IReadOnlyList<ColumnData> ReadRowGroup(int index)
    {
        var rg = Metadata.RowGroups[index];
        if (rg.Columns.Count != Schema.Columns.Count)
            throw new InvalidDataException($"{_name}: row group {index} has {rg.Columns.Count} column chunks; the schema has {Schema.Columns.Count} columns");
        return rg.Columns.Select((c, i) => ReadChunk(index, Schema.Columns[i], c, checked((int)rg.NumRows))).ToList();
    }

    /// <summary>Reads the whole file, one <see cref="ColumnData"/> per column.</summary>
    public IReadOnlyList<ColumnData> ReadAll()
    {
        var groups = Enumerable.Range(0, RowGroupCount).Select(ReadRowGroup).ToList();
        if (groups.Count == 0) throw new InvalidDataException($"{_name}: no row groups");
        return Enumerable.Range(0, Schema.Columns.Count).Select(c => ColumnData.Concat(groups.Select(g => g[c]).ToList())).ToList();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsStream) _stream.Dispose();
    }

    private FileMetadata ReadFooter()
    {
        long length = _stream.Length;
        if (length < 12) throw new InvalidDataException($"{_name}: {length} bytes is too short for a Parquet file (magic + footer length + magic need 12)");
        var tail = ReadAt(length - 8, 8);
        if (!tail.AsSpan(4).SequenceEqual("PAR1"u8))
            throw new InvalidDataException($"{_name}: does not end with the Parquet magic 'PAR1' (truncated or not Parquet)");
        int footerLength = BinaryPrimitives.ReadInt32LittleEndian(tail);
        if (footerLength <= 0 || footerLength > length - 12)
            throw new InvalidDataException($"{_name}: footer length {footerLength} does not fit in a {length}-byte file");
        var head = ReadAt(0, 4);
        if (!head.AsSpan().SequenceEqual("PAR1"u8)) throw new InvalidDataException($"{_name}: does not start with the Parquet magic 'PAR1'");
        var footer = ReadAt(length - 8 - footerLength, footerLength);
        try
        {
            return MetadataReader.ReadFileMetadata(new ThriftCompactReader(footer, 0, footer.Length));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{_name}: footer: {e.Message}", e);
        }
    }

    private byte[] ReadAt(long offset, int count)
    {
        var buffer = new byte[count];
        _stream.Position = offset;
        _stream.ReadExactly(buffer);
        return buffer;
    }

    private ColumnData ReadChunk(int rowGroup, ParquetColumn column, ColumnChunkMetadata meta, int rows)
    {
        string where = $"{_name}: row group {rowGroup}, column '{column.Name}'";
        var bytes = ReadAt(meta.ChunkOffset, checked((int)meta.TotalCompressedSize));
        var sink = new ValueSink(column, rows);
        Array? dictionary = null;
        int pos = 0, row = 0;
        while (row < rows)
        {
            if (pos >= bytes.Length) throw new InvalidDataException($"{where}: pages hold {row} rows; the row group has {rows}");
            var reader = new ThriftCompactReader(bytes, pos, bytes.Length - pos);
            var header = MetadataReader.ReadPageHeader(reader);
            pos = reader.Position;
            if (pos + header.CompressedPageSize > bytes.Length)
                throw new InvalidDataException($"{where}: page at byte {pos} of {header.CompressedPageSize} bytes runs past the chunk end");
            var page = bytes.AsSpan(pos, header.CompressedPageSize);
            pos += header.CompressedPageSize;
            switch (header.Type)
            {
                case PageType.DictionaryPage:
                    var plain = PageCompressor.Decompress(meta.Codec, page, header.UncompressedPageSize);
                    dictionary = PlainDecoder.Decode(column, plain, header.NumValues, where);
                    break;
                case PageType.DataPage:
                {
                    var body = PageCompressor.Decompress(meta.Codec, page, header.UncompressedPageSize);
                    int at = 0;
                    bool[]? present = null;
                    if (column.Optional)
                    {
                        int levelBytes = BinaryPrimitives.ReadInt32LittleEndian(body);
                        present = DecodeLevels(body.AsSpan(4, levelBytes), header.NumValues);
                        at = 4 + levelBytes;
                    }
                    sink.Append(present, header.NumValues, DecodeValues(column, header, body.AsSpan(at), present, dictionary, where));
                    row += header.NumValues;
                    break;
                }
                case PageType.DataPageV2:
                {
                    bool[]? present = column.Optional ? DecodeLevels(page[..header.DefinitionLevelsByteLength], header.NumValues) : null;
                    var valuesPart = page[(header.DefinitionLevelsByteLength + header.RepetitionLevelsByteLength)..];
                    int uncompressed = header.UncompressedPageSize - header.DefinitionLevelsByteLength - header.RepetitionLevelsByteLength;
                    var values = header.IsCompressed ? PageCompressor.Decompress(meta.Codec, valuesPart, uncompressed) : valuesPart.ToArray();
                    sink.Append(present, header.NumValues, DecodeValues(column, header, values, present, dictionary, where));
                    row += header.NumValues;
                    break;
                }
                default:
                    break; // index pages carry nothing this reader needs
            }
        }
        return sink.Build();
    }

    private static bool[] DecodeLevels(ReadOnlySpan<byte> encoded, int count)
    {
        var levels = new int[count];
        RleBitPackedDecoder.Decode(encoded, 1, levels);
        var present = new bool[count];
        for (int i = 0; i < count; i++) present[i] = levels[i] == 1;
        return present;
    }

    private static Array DecodeValues(ParquetColumn column, PageHeader header, ReadOnlySpan<byte> data, bool[]? present, Array? dictionary, string where)
    {
        int count = present is null ? header.NumValues : present.Count(p => p);
        switch (header.Encoding)
        {
            case ParquetEncoding.Plain:
                return PlainDecoder.Decode(column, data, count, where);
            case ParquetEncoding.RleDictionary or ParquetEncoding.PlainDictionary:
                if (dictionary is null) throw new InvalidDataException($"{where}: dictionary-encoded page without a dictionary page");
                if (data.IsEmpty && count == 0) return Array.CreateInstance(dictionary.GetType().GetElementType()!, 0);
                var indices = new int[count];
                RleBitPackedDecoder.Decode(data[1..], data[0], indices);
                var result = Array.CreateInstance(dictionary.GetType().GetElementType()!, count);
                for (int i = 0; i < count; i++)
                {
                    if ((uint)indices[i] >= (uint)dictionary.Length)
                        throw new InvalidDataException($"{where}: dictionary index {indices[i]} out of range (dictionary has {dictionary.Length} entries)");
                    result.SetValue(dictionary.GetValue(indices[i]), i);
                }
                return result;
            default:
                throw new InvalidDataException($"{where}: encoding {header.Encoding} is not supported (PLAIN and RLE_DICTIONARY are)");
        }
    }

    /// <summary>Collects page values into one row-aligned array per chunk.</summary>
    private sealed class ValueSink(ParquetColumn column, int rows)
    {
        private readonly Array _values = Array.CreateInstance(PlainDecoder.ElementType(column), rows);
        private readonly bool[]? _present = column.Optional ? new bool[rows] : null;
        private int _row;

        public void Append(bool[]? present, int pageRows, Array values)
        {
            if (_row + pageRows > rows) throw new InvalidDataException($"column '{column.Name}': pages hold more rows than the row group's {rows}");
            if (present is null)
            {
                Array.Copy(values, 0, _values, _row, pageRows);
                if (_present is not null) Array.Fill(_present, true, _row, pageRows);
            }
            else
            {
                int v = 0;
                for (int i = 0; i < pageRows; i++)
                {
                    _present![_row + i] = present[i];
                    if (present[i]) _values.SetValue(values.GetValue(v++), _row + i);
                }
            }
            _row += pageRows;
        }

        public ColumnData Build() => new(column, _values, _present);
    }
}
