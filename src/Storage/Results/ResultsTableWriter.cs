using System.IO.Compression;
using global::Parquet;
using global::Parquet.Schema;

namespace Amber.Storage.Results;

/// <summary>
/// Streams rows into a Parquet file through Parquet.Net, one row group at a time. Values go into per-column buffers of
/// <see cref="ResultsParquetOptions.RowGroupRows"/> rows; a full set of buffers is handed to Parquet.Net as one row group
/// (on another thread when pipelined, while the spare buffers fill), so memory is two row groups whatever the row count.
/// </summary>
internal sealed class ResultsTableWriter : IAsyncDisposable
{
    private readonly ParquetWriter _writer;
    private readonly Stream _output;
    private readonly Dictionary<string, ResultsColumn> _byName;
    private readonly ResultsColumn[] _columns;
    private readonly int _rowGroupRows;
    private readonly bool _pipeline;
    private Task _pendingRowGroup = Task.CompletedTask;
    private int _buffered;
    private bool _completed;

    private ResultsTableWriter(ParquetWriter writer, Stream output, ResultsColumn[] columns, ResultsParquetOptions options)
    {
        _writer = writer;
        _output = output;
        _columns = columns;
        _byName = columns.ToDictionary(c => c.Field.Name, StringComparer.Ordinal);
        _rowGroupRows = options.RowGroupRows;
        _pipeline = options.PipelineRowGroups;
    }

    /// <summary>Rows written so far (the index of the next row).</summary>
    public long RowCount { get; private set; }

    /// <summary>Opens a writer on <paramref name="output"/> (written from the start, left open).</summary>
    public static async Task<ResultsTableWriter> CreateAsync(Stream output, ParquetSchema schema, ResultsParquetOptions? options,
        IReadOnlyList<KeyValuePair<string, string>> footer, CancellationToken cancellationToken)
    {
        options ??= new ResultsParquetOptions();
        options.Validate();
        var parquet = new ParquetOptions { CompressionMethod = options.Compression, CompressionLevel = CompressionLevel.Fastest };
        foreach (var f in schema.DataFields)
            if ((f.ClrType == typeof(string) || f.ClrType == typeof(ReadOnlyMemory<char>)) && ResultsTables.IsDictionaryEncoded(f.Name))
                parquet.ColumnEncodingHints[f.Path.ToString()] = EncodingHint.Dictionary;
        var writer = await ParquetWriter.CreateAsync(schema, output, parquet, append: false, cancellationToken).ConfigureAwait(false);
        writer.CustomMetadata = footer.ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal);
        var columns = schema.DataFields.Select(f => ResultsColumn.For(f, options.RowGroupRows)).ToArray();
        return new ResultsTableWriter(writer, output, columns, options);
    }

    /// <summary>The buffer of column <paramref name="name"/>, typed as the caller expects.</summary>
    public T Column<T>(string name) where T : ResultsColumn =>
        _byName.TryGetValue(name, out var c)
            ? c as T ?? throw new InvalidOperationException($"column '{name}' is a {c.GetType().Name}, not a {typeof(T).Name}")
            : throw new InvalidOperationException($"no column '{name}' in this table (columns: {string.Join(", ", _byName.Keys)})");

    /// <summary>Ends the current row: every column must have received exactly one value. Flushes a full row group.</summary>
    public ValueTask EndRowAsync(CancellationToken cancellationToken = default)
    {
        _buffered++;
        RowCount++;
        foreach (var c in _columns)
            if (c.Count != _buffered)
                throw new InvalidOperationException($"row {RowCount - 1}: column '{c.Field.Name}' has {c.Count - _buffered + 1} values, expected 1");
        return _buffered == _rowGroupRows ? new ValueTask(FlushAsync(cancellationToken)) : ValueTask.CompletedTask;
    }

    /// <summary>Writes the last row group and the footer. Without this call the output holds no valid file.</summary>
    public async Task CompleteAsync(CancellationToken cancellationToken = default)
    {
        if (_buffered > 0 || RowCount == 0) await FlushAsync(cancellationToken).ConfigureAwait(false);
        await _pendingRowGroup.ConfigureAwait(false);
        _completed = true;
        await _writer.DisposeAsync().ConfigureAwait(false);
        await _output.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        // The spare buffers are free once the previous row group is written; then the full ones become the spares.
        await _pendingRowGroup.ConfigureAwait(false);
        int rows = _buffered;
        foreach (var c in _columns) c.Swap();
        _buffered = 0;
        _pendingRowGroup = _pipeline
            ? Task.Run(() => WriteRowGroupAsync(rows, cancellationToken), cancellationToken)
            : WriteRowGroupAsync(rows, cancellationToken);
        if (!_pipeline) await _pendingRowGroup.ConfigureAwait(false);
    }

    private async Task WriteRowGroupAsync(int rows, CancellationToken cancellationToken)
    {
        using var rowGroup = _writer.CreateRowGroup();
        foreach (var c in _columns) await c.WriteSpareAsync(rowGroup, rows, cancellationToken).ConfigureAwait(false);
        rowGroup.CompleteValidate();
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (_completed) return;
        // An abandoned writer: let a pending row group finish (or fail) before the stream goes away; the caller
        // deletes the incomplete output.
        try { await _pendingRowGroup.ConfigureAwait(false); } catch (Exception) { /* the caller is already failing */ }
        _completed = true;
    }
}

/// <summary>One column's buffers: the one being filled and a spare that Parquet.Net encodes from.</summary>
internal abstract class ResultsColumn(DataField field)
{
    /// <summary>The Parquet field.</summary>
    public DataField Field { get; } = field;

    /// <summary>Values in the active buffer.</summary>
    public int Count { get; protected set; }

    internal abstract void Swap();

    internal abstract Task WriteSpareAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken);

    internal static ResultsColumn For(DataField field, int rows)
    {
        var type = field.ClrType;
        if (type == typeof(string) || type == typeof(ReadOnlyMemory<char>)) return new StringColumn(field, rows);
        if (field is DateTimeDataField) return new TimestampColumn(field, rows);
        if (type == typeof(int)) return field.IsNullable ? new NullableColumn<int>(field, rows) : new ValueColumn<int>(field, rows);
        if (type == typeof(float)) return field.IsNullable ? new NullableColumn<float>(field, rows) : new ValueColumn<float>(field, rows);
        if (type == typeof(double)) return field.IsNullable ? new NullableColumn<double>(field, rows) : new ValueColumn<double>(field, rows);
        if (type == typeof(bool)) return field.IsNullable ? new NullableColumn<bool>(field, rows) : new ValueColumn<bool>(field, rows);
        throw new NotSupportedException($"column '{field.Name}': type {type.Name} is not used by the results tables");
    }
}

/// <summary>A STRING column (required or optional).</summary>
internal sealed class StringColumn(DataField field, int rows) : ResultsColumn(field)
{
    private string?[] _active = new string?[rows];
    private string?[] _spare = new string?[rows];

    public void Add(string? value)
    {
        if (value is null && !Field.IsNullable) throw new ArgumentException($"column '{Field.Name}' is required; got null");
        _active[Count++] = value;
    }

    internal override void Swap()
    {
        (_active, _spare) = (_spare, _active);
        Count = 0;
    }

    internal override Task WriteSpareAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken) =>
        rowGroup.WriteAsync(Field, new ArraySegment<string>(_spare!, 0, rows));
}

/// <summary>A required column of a primitive type.</summary>
internal sealed class ValueColumn<T>(DataField field, int rows) : ResultsColumn(field) where T : struct
{
    private T[] _active = new T[rows];
    private T[] _spare = new T[rows];

    public void Add(T value) => _active[Count++] = value;

    internal override void Swap()
    {
        (_active, _spare) = (_spare, _active);
        Count = 0;
    }

    internal override Task WriteSpareAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken) =>
        rowGroup.WriteAsync<T>(Field, _spare.AsMemory(0, rows), null, null, cancellationToken);
}

/// <summary>An optional column of a primitive type.</summary>
internal sealed class NullableColumn<T>(DataField field, int rows) : ResultsColumn(field) where T : struct
{
    private T?[] _active = new T?[rows];
    private T?[] _spare = new T?[rows];

    public void Add(T? value) => _active[Count++] = value;

    public void AddNull() => _active[Count++] = null;

    internal override void Swap()
    {
        (_active, _spare) = (_spare, _active);
        Count = 0;
    }

    internal override Task WriteSpareAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken) =>
        rowGroup.WriteAsync<T>(Field, _spare.AsMemory(0, rows), null, null, cancellationToken);
}

/// <summary>A required TIMESTAMP(µs, UTC) column.</summary>
internal sealed class TimestampColumn(DataField field, int rows) : ResultsColumn(field)
{
    private DateTime[] _active = new DateTime[rows];
    private DateTime[] _spare = new DateTime[rows];

    public void Add(DateTimeOffset value) => _active[Count++] = value.UtcDateTime;

    internal override void Swap()
    {
        (_active, _spare) = (_spare, _active);
        Count = 0;
    }

    internal override Task WriteSpareAsync(ParquetRowGroupWriter rowGroup, int rows, CancellationToken cancellationToken) =>
        rowGroup.WriteAsync<DateTime>(Field, _spare.AsMemory(0, rows), null, null, cancellationToken);
}
