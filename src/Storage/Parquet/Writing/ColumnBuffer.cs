using Amber.Storage.Parquet.Schema;

namespace Amber.Storage.Parquet.Writing;

/// <summary>
/// The values of one column for the row group being built. Rows go in one value at a time; the writer encodes and
/// clears the buffer when the row group is full, so memory stays bounded by one row group.
/// </summary>
public abstract class ColumnBuffer
{
    private byte[] _definitionLevels = [];
    private byte[] _spareLevels = [];

    private protected ColumnBuffer(ParquetColumn column) => Column = column;

    /// <summary>The column this buffer fills.</summary>
    public ParquetColumn Column { get; }

    /// <summary>Rows added since the last row group (values and nulls).</summary>
    public int RowCount { get; private set; }

    /// <summary>Nulls added since the last row group.</summary>
    public int NullCount { get; private set; }

    /// <summary>Present values added since the last row group.</summary>
    public int ValueCount => RowCount - NullCount;

    /// <summary>Per row: 1 present, 0 null (only kept for optional columns).</summary>
    internal ReadOnlySpan<byte> DefinitionLevels => _definitionLevels.AsSpan(0, Column.Optional ? RowCount : 0);

    /// <summary>Adds a null; throws for a required column.</summary>
    public void AddNull()
    {
        if (!Column.Optional)
            throw new InvalidOperationException($"column '{Column.Name}' is REQUIRED and cannot hold null (row {RowCount} of the current row group); declare it Optional");
        EnsureLevelCapacity();
        _definitionLevels[RowCount++] = 0;
        NullCount++;
    }

    /// <summary>Records that a value was appended.</summary>
    private protected void MarkPresent()
    {
        if (Column.Optional)
        {
            EnsureLevelCapacity();
            _definitionLevels[RowCount] = 1;
        }
        RowCount++;
    }

    /// <summary>Forgets the row group's values, keeping the allocated buffers for the next one.</summary>
    internal virtual void Clear()
    {
        RowCount = 0;
        NullCount = 0;
    }

    /// <summary>
    /// Hands the buffered row group over to a new buffer object (for encoding on another thread) and continues empty,
    /// on the arrays of the last recycled snapshot, so callers keep filling the same buffer object.
    /// </summary>
    internal ColumnBuffer TakeSnapshot()
    {
        var snapshot = CreateEmpty();
        snapshot._definitionLevels = _definitionLevels;
        snapshot.RowCount = RowCount;
        snapshot.NullCount = NullCount;
        _definitionLevels = _spareLevels;
        _spareLevels = [];
        MoveValues(snapshot);
        RowCount = 0;
        NullCount = 0;
        return snapshot;
    }

    /// <summary>Keeps an encoded snapshot's arrays for the next <see cref="TakeSnapshot"/>.</summary>
    internal void Recycle(ColumnBuffer snapshot)
    {
        snapshot.Clear();
        _spareLevels = snapshot._definitionLevels;
        RecycleValues(snapshot);
    }

    private protected abstract ColumnBuffer CreateEmpty();

    private protected abstract void MoveValues(ColumnBuffer snapshot);

    private protected abstract void RecycleValues(ColumnBuffer snapshot);

    private void EnsureLevelCapacity()
    {
        if (RowCount == _definitionLevels.Length) Array.Resize(ref _definitionLevels, Math.Max(1024, _definitionLevels.Length * 2));
    }
}

/// <summary>A buffer of fixed-width values (BOOLEAN, INT32, INT64, FLOAT, DOUBLE, TIMESTAMP as microseconds).</summary>
/// <typeparam name="T">bool, int, long, float or double.</typeparam>
public class PrimitiveColumnBuffer<T> : ColumnBuffer where T : unmanaged
{
    private T[] _values = [];
    private T[] _spare = [];

    internal PrimitiveColumnBuffer(ParquetColumn column) : base(column) { }

    /// <summary>The present values, in row order.</summary>
    internal ReadOnlySpan<T> Values => _values.AsSpan(0, ValueCount);

    private protected override ColumnBuffer CreateEmpty() => new PrimitiveColumnBuffer<T>(Column);

    private protected override void MoveValues(ColumnBuffer snapshot)
    {
        ((PrimitiveColumnBuffer<T>)snapshot)._values = _values;
        _values = _spare;
        _spare = [];
    }

    private protected override void RecycleValues(ColumnBuffer snapshot) => _spare = ((PrimitiveColumnBuffer<T>)snapshot)._values;

    /// <summary>Adds a value.</summary>
    public void Add(T value)
    {
        int n = ValueCount;
        if (n == _values.Length) Array.Resize(ref _values, Math.Max(1024, _values.Length * 2));
        _values[n] = value;
        MarkPresent();
    }

    /// <summary>Adds a value or a null.</summary>
    public void Add(T? value)
    {
        if (value is { } v) Add(v);
        else AddNull();
    }
}

/// <summary>A TIMESTAMP (UTC, microseconds) column.</summary>
public sealed class TimestampColumnBuffer : PrimitiveColumnBuffer<long>
{
    internal TimestampColumnBuffer(ParquetColumn column) : base(column) { }

    private protected override ColumnBuffer CreateEmpty() => new PrimitiveColumnBuffer<long>(Column);

    /// <summary>Adds an instant; sub-microsecond ticks are truncated.</summary>
    public void Add(DateTimeOffset value) => Add((value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10);

    /// <summary>Adds an instant or a null.</summary>
    public void Add(DateTimeOffset? value)
    {
        if (value is { } v) Add(v);
        else AddNull();
    }
}

/// <summary>A STRING column (UTF-8 BYTE_ARRAY).</summary>
public sealed class StringColumnBuffer : ColumnBuffer
{
    private string[] _values = [];
    private string[] _spare = [];

    internal StringColumnBuffer(ParquetColumn column) : base(column) { }

    /// <summary>The present values, in row order.</summary>
    internal ReadOnlySpan<string> Values => _values.AsSpan(0, ValueCount);

    private protected override ColumnBuffer CreateEmpty() => new StringColumnBuffer(Column);

    private protected override void MoveValues(ColumnBuffer snapshot)
    {
        ((StringColumnBuffer)snapshot)._values = _values;
        _values = _spare;
        _spare = [];
    }

    private protected override void RecycleValues(ColumnBuffer snapshot) => _spare = ((StringColumnBuffer)snapshot)._values;

    /// <summary>Adds a string; null adds a null (optional columns only).</summary>
    public void Add(string? value)
    {
        if (value is null)
        {
            AddNull();
            return;
        }
        int n = ValueCount;
        if (n == _values.Length) Array.Resize(ref _values, Math.Max(1024, _values.Length * 2));
        _values[n] = value;
        MarkPresent();
    }

    internal override void Clear()
    {
        // Drop references so a finished row group's strings can be collected.
        Array.Clear(_values, 0, ValueCount);
        base.Clear();
    }
}
