using Amber.Storage.Parquet.Schema;

namespace Amber.Storage.Parquet.Reading;

/// <summary>
/// The values of one column over a range of rows. <see cref="Values"/> has one slot per row (a null row holds the
/// type's default); <see cref="IsNull"/> tells them apart.
/// </summary>
public sealed class ColumnData
{
    private readonly bool[]? _present;

    internal ColumnData(ParquetColumn column, Array values, bool[]? present)
    {
        Column = column;
        Values = values;
        _present = present;
    }

    /// <summary>The column.</summary>
    public ParquetColumn Column { get; }

    /// <summary>bool[], int[], long[] (also timestamps, as microseconds since the epoch), float[], double[] or string?[].</summary>
    public Array Values { get; }

    /// <summary>Rows held.</summary>
    public int Count => Values.Length;

    /// <summary>Whether row <paramref name="row"/> is null.</summary>
    public bool IsNull(int row) => _present is not null && !_present[row];

    /// <summary>The values as <typeparamref name="T"/>[]; throws naming the column when the type differs.</summary>
    public T[] As<T>() => Values as T[] ?? throw new InvalidCastException(
        $"column '{Column.Name}' is {Column.Type} and holds {Values.GetType().Name}, not {typeof(T).Name}[]");

    /// <summary>Row <paramref name="row"/> boxed, or null; timestamps come back as <see cref="DateTimeOffset"/>.</summary>
    public object? this[int row] => IsNull(row) ? null
        : Column.Type == ParquetType.TimestampMicrosUtc ? DateTimeOffset.UnixEpoch.AddTicks(((long[])Values)[row] * 10)
        : Values.GetValue(row);

    /// <summary>Concatenates pieces of the same column (e.g. one per row group).</summary>
    public static ColumnData Concat(IReadOnlyList<ColumnData> parts)
    {
        if (parts.Count == 1) return parts[0];
        var column = parts[0].Column;
        int total = parts.Sum(p => p.Count);
        var values = Array.CreateInstance(parts[0].Values.GetType().GetElementType()!, total);
        bool[]? present = column.Optional ? new bool[total] : null;
        int at = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Values, 0, values, at, p.Count);
            if (present is not null)
                for (int i = 0; i < p.Count; i++) present[at + i] = !p.IsNull(i);
            at += p.Count;
        }
        return new ColumnData(column, values, present);
    }
}
