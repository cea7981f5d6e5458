using System.Buffers;
using System.Buffers.Binary;
using Amber.Storage.Parquet.Format;
using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Thrift;

namespace Amber.Storage.Parquet.Writing;

/// <summary>
/// Streams rows into a Parquet file: fill each column's buffer (<see cref="Column{TBuffer}(string)"/>), call
/// <see cref="EndRow"/> per row, and <see cref="Complete"/> at the end. A full row group is encoded and written at once,
/// so memory is bounded by one row group.
/// </summary>
/// <remarks>
/// Built from parquet-format: "PAR1", row groups of column chunks of pages, the Thrift-compact <c>FileMetaData</c>, its
/// 4-byte length, "PAR1". Writing to a path (<see cref="CreateFile"/>) goes through a temporary file in the same folder
/// that is renamed on <see cref="Complete"/>, so the file is either complete or absent.
/// </remarks>
public sealed class ParquetFileWriter : IDisposable
{
    /// <summary>The value of <c>created_by</c>.</summary>
    public const string CreatedBy = "amber-storage parquet writer version 1.0.0";

    private static readonly byte[] Magic = "PAR1"u8.ToArray();
    private readonly Stream _output;
    private readonly bool _ownsStream;
    private readonly string? _finalPath;
    private readonly string? _tempPath;
    private readonly ParquetWriterOptions _options;
    private readonly ColumnBuffer[] _buffers;
    private readonly FileMetadata _metadata = new();
    private long _position;
    private int _rowsInGroup;
    // The previous row group being encoded and written while the caller fills the next one.
    private Task? _pending;
    private bool _completed;
    private bool _disposed;

    /// <summary>Writes to <paramref name="output"/>, which the caller owns unless <paramref name="ownsStream"/>.</summary>
    public ParquetFileWriter(Stream output, ParquetSchema schema, ParquetWriterOptions? options = null,
        IEnumerable<KeyValuePair<string, string>>? keyValueMetadata = null, bool ownsStream = false)
        : this(output, schema, options, keyValueMetadata, ownsStream, null, null)
    {
    }

    private ParquetFileWriter(Stream output, ParquetSchema schema, ParquetWriterOptions? options,
        IEnumerable<KeyValuePair<string, string>>? keyValueMetadata, bool ownsStream, string? finalPath, string? tempPath)
    {
        _options = options ?? new ParquetWriterOptions();
        _options.Validate();
        _output = output;
        _ownsStream = ownsStream;
        _finalPath = finalPath;
        _tempPath = tempPath;
        Schema = schema;
        _buffers = schema.Columns.Select(CreateBuffer).ToArray();
        _metadata.Version = _options.DataPageVersion;
        _metadata.CreatedBy = CreatedBy;
        _metadata.Schema.Add(new SchemaElement { Name = "schema", NumChildren = schema.Columns.Count });
        foreach (var c in schema.Columns)
        {
            _metadata.Schema.Add(new SchemaElement
            {
                Name = c.Name,
                Type = c.Physical,
                Repetition = c.Optional ? Repetition.Optional : Repetition.Required,
                Logical = c.Logical,
                ConvertedType = c.Logical switch { LogicalKind.String => 0, LogicalKind.TimestampMicrosUtc => 10, _ => null },
            });
        }
        if (keyValueMetadata is not null) _metadata.KeyValueMetadata.AddRange(keyValueMetadata);
        Write(Magic);
    }

    /// <summary>
    /// Creates <paramref name="path"/> atomically: rows go to a hidden temporary file beside it, renamed over the target on
    /// <see cref="Complete"/>; disposing without completing deletes the temporary file.
    /// </summary>
    public static ParquetFileWriter CreateFile(string path, ParquetSchema schema, ParquetWriterOptions? options = null,
        IEnumerable<KeyValuePair<string, string>>? keyValueMetadata = null)
    {
        var full = Path.GetFullPath(path);
        var dir = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16);
        try
        {
            return new ParquetFileWriter(stream, schema, options, keyValueMetadata, true, full, temp);
        }
        catch
        {
            stream.Dispose();
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>The file's columns.</summary>
    public ParquetSchema Schema { get; }

    /// <summary>Rows written so far (including the row group being built).</summary>
    public long RowCount => _metadata.NumRows + _rowsInGroup;

    /// <summary>Key/value metadata of the footer; may be added to until <see cref="Complete"/>.</summary>
    public IList<KeyValuePair<string, string>> KeyValueMetadata => _metadata.KeyValueMetadata;

    /// <summary>The buffer of the column named <paramref name="name"/>, typed as the caller expects.</summary>
    public TBuffer Column<TBuffer>(string name) where TBuffer : ColumnBuffer
    {
        int index = Schema.IndexOf(name);
        if (index < 0) throw new ArgumentException($"no column named '{name}'; the schema has {string.Join(", ", Schema.Columns.Select(c => c.Name))}", nameof(name));
        return Column<TBuffer>(index);
    }

    /// <summary>The buffer of column <paramref name="index"/>, typed as the caller expects.</summary>
    public TBuffer Column<TBuffer>(int index) where TBuffer : ColumnBuffer =>
        _buffers[index] as TBuffer ?? throw new ArgumentException(
            $"column '{Schema.Columns[index].Name}' is {Schema.Columns[index].Type}, held in a {_buffers[index].GetType().Name}, not a {typeof(TBuffer).Name}");

    /// <summary>Finishes a row: every column must have received exactly one value or null since the last row.</summary>
    public void EndRow()
    {
        _rowsInGroup++;
        if (_rowsInGroup >= _options.RowGroupRows) FlushRowGroup(_options.PipelineRowGroups);
    }

    /// <summary>Writes the last row group and the footer; for <see cref="CreateFile"/>, renames the file into place.</summary>
    public void Complete()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_completed) throw new InvalidOperationException("the Parquet file is already complete");
        if (_rowsInGroup > 0 || (_metadata.RowGroups.Count == 0 && _pending is null)) FlushRowGroup(background: false);
        WaitForPending();
        var footer = new ArrayBufferWriter<byte>();
        MetadataWriter.WriteFileMetadata(new ThriftCompactWriter(footer), _metadata);
        Write(footer.WrittenSpan);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(length, footer.WrittenCount);
        Write(length);
        Write(Magic);
        _output.Flush();
        _completed = true;
        if (_finalPath is not null)
        {
            if (_output is FileStream fs) fs.Flush(flushToDisk: true);
            _output.Dispose();
            File.Move(_tempPath!, _finalPath, overwrite: true);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        try
        {
            _pending?.Wait();
        }
        catch (AggregateException)
        {
            // The file is being abandoned; the failure was or will be reported by the call that observed it.
        }
        if (_ownsStream) _output.Dispose();
        if (!_completed && _tempPath is not null) File.Delete(_tempPath);
    }

    private void FlushRowGroup(bool background)
    {
        foreach (var b in _buffers)
        {
            if (b.RowCount != _rowsInGroup)
                throw new InvalidOperationException(
                    $"column '{b.Column.Name}' holds {b.RowCount} values but {_rowsInGroup} rows were ended in this row group; every row needs exactly one value or null per column");
        }
        // Row groups reach the file in order: the previous one must be written before this one starts.
        WaitForPending();
        var snapshots = _buffers.Select(b => b.TakeSnapshot()).ToArray();
        int rows = _rowsInGroup;
        _rowsInGroup = 0;
        _metadata.NumRows += rows;
        if (background) _pending = Task.Run(() => EncodeAndWrite(snapshots, rows));
        else EncodeAndWrite(snapshots, rows);
    }

    private void WaitForPending()
    {
        if (_pending is null) return;
        var pending = _pending;
        _pending = null;
        pending.GetAwaiter().GetResult();
    }

    private void EncodeAndWrite(ColumnBuffer[] snapshots, int rows)
    {
        var chunks = new EncodedChunk[snapshots.Length];
        if (_options.ParallelColumns && snapshots.Length > 1 && rows > 4096)
            Parallel.For(0, snapshots.Length, i => chunks[i] = ColumnChunkEncoder.Encode(snapshots[i], _options));
        else
            for (int i = 0; i < snapshots.Length; i++) chunks[i] = ColumnChunkEncoder.Encode(snapshots[i], _options);

        var rowGroup = new RowGroupMetadata { NumRows = rows, FileOffset = _position, Ordinal = (short)_metadata.RowGroups.Count };
        for (int i = 0; i < chunks.Length; i++)
        {
            var chunk = chunks[i];
            long start = _position;
            var meta = new ColumnChunkMetadata
            {
                Type = Schema.Columns[i].Physical,
                Codec = _options.Codec,
                NumValues = chunk.NumValues,
                TotalUncompressedSize = chunk.UncompressedBytes,
                TotalCompressedSize = chunk.Bytes.WrittenCount,
                DataPageOffset = start + chunk.DictionaryPageBytes,
                DictionaryPageOffset = chunk.DictionaryPageBytes > 0 ? start : null,
                Statistics = chunk.Statistics,
            };
            meta.Encodings.AddRange(chunk.Encodings);
            meta.PathInSchema.Add(Schema.Columns[i].Name);
            Write(chunk.Bytes.WrittenSpan);
            rowGroup.Columns.Add(meta);
            rowGroup.TotalByteSize += chunk.UncompressedBytes;
            rowGroup.TotalCompressedSize += chunk.Bytes.WrittenCount;
            _buffers[i].Recycle(snapshots[i]);
        }
        _metadata.RowGroups.Add(rowGroup);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        _output.Write(bytes);
        _position += bytes.Length;
    }

    private static ColumnBuffer CreateBuffer(ParquetColumn c) => c.Type switch
    {
        ParquetType.Boolean => new PrimitiveColumnBuffer<bool>(c),
        ParquetType.Int32 => new PrimitiveColumnBuffer<int>(c),
        ParquetType.Int64 => new PrimitiveColumnBuffer<long>(c),
        ParquetType.Float => new PrimitiveColumnBuffer<float>(c),
        ParquetType.Double => new PrimitiveColumnBuffer<double>(c),
        ParquetType.TimestampMicrosUtc => new TimestampColumnBuffer(c),
        ParquetType.String => new StringColumnBuffer(c),
        _ => throw new ArgumentOutOfRangeException(nameof(c), c.Type, $"column '{c.Name}': unknown type"),
    };
}
