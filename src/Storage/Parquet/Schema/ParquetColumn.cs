using Amber.Storage.Parquet.Format;

namespace Amber.Storage.Parquet.Schema;

/// <summary>The value types a column can hold; each maps to one physical type plus an optional logical annotation.</summary>
public enum ParquetType
{
    /// <summary>BOOLEAN.</summary>
    Boolean,
    /// <summary>INT32.</summary>
    Int32,
    /// <summary>INT64.</summary>
    Int64,
    /// <summary>FLOAT.</summary>
    Float,
    /// <summary>DOUBLE.</summary>
    Double,
    /// <summary>BYTE_ARRAY annotated STRING (UTF-8).</summary>
    String,
    /// <summary>INT64 annotated TIMESTAMP(isAdjustedToUTC=true, MICROS).</summary>
    TimestampMicrosUtc,
}

/// <summary>One flat column of a Parquet file.</summary>
/// <param name="Name">Column name (non-empty, unique in the schema).</param>
/// <param name="Type">Value type.</param>
/// <param name="Optional">Whether nulls are allowed (definition level 1 = present).</param>
/// <param name="Dictionary">Dictionary-encode the column (worth it for low-cardinality strings); a chunk whose
/// dictionary would grow past the writer's limit falls back to plain encoding.</param>
public sealed record ParquetColumn(string Name, ParquetType Type, bool Optional = false, bool Dictionary = false)
{
    /// <summary>The physical type stored in the file.</summary>
    public PhysicalType Physical => Type switch
    {
        ParquetType.Boolean => PhysicalType.Boolean,
        ParquetType.Int32 => PhysicalType.Int32,
        ParquetType.Int64 or ParquetType.TimestampMicrosUtc => PhysicalType.Int64,
        ParquetType.Float => PhysicalType.Float,
        ParquetType.Double => PhysicalType.Double,
        _ => PhysicalType.ByteArray,
    };

    /// <summary>The logical annotation stored in the file.</summary>
    public LogicalKind Logical => Type switch
    {
        ParquetType.String => LogicalKind.String,
        ParquetType.TimestampMicrosUtc => LogicalKind.TimestampMicrosUtc,
        _ => LogicalKind.None,
    };

    /// <summary>Maps a footer schema element back to a column; throws for shapes this project does not write.</summary>
    public static ParquetColumn FromSchemaElement(SchemaElement e, string file)
    {
        if (e.Repetition == Repetition.Repeated)
            throw new InvalidDataException($"{file}: column '{e.Name}' is REPEATED; this reader handles flat REQUIRED/OPTIONAL columns only");
        var type = (e.Type, e.Logical) switch
        {
            (PhysicalType.Boolean, _) => ParquetType.Boolean,
            (PhysicalType.Int32, _) => ParquetType.Int32,
            (PhysicalType.Int64, LogicalKind.TimestampMicrosUtc) => ParquetType.TimestampMicrosUtc,
            (PhysicalType.Int64, _) => ParquetType.Int64,
            (PhysicalType.Float, _) => ParquetType.Float,
            (PhysicalType.Double, _) => ParquetType.Double,
            (PhysicalType.ByteArray, _) => ParquetType.String,
            _ => throw new InvalidDataException($"{file}: column '{e.Name}' has physical type {e.Type}; expected BOOLEAN, INT32, INT64, FLOAT, DOUBLE or BYTE_ARRAY"),
        };
        return new ParquetColumn(e.Name, type, e.Repetition == Repetition.Optional);
    }
}

/// <summary>An ordered list of flat columns.</summary>
public sealed class ParquetSchema
{
    private readonly Dictionary<string, int> _index;

    /// <summary>Creates a schema; names must be unique and non-empty.</summary>
    public ParquetSchema(IEnumerable<ParquetColumn> columns)
    {
        Columns = columns.ToArray();
        if (Columns.Count == 0) throw new ArgumentException("a Parquet schema needs at least one column", nameof(columns));
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < Columns.Count; i++)
        {
            var name = Columns[i].Name;
            if (string.IsNullOrEmpty(name)) throw new ArgumentException($"column {i} has an empty name", nameof(columns));
            if (!_index.TryAdd(name, i)) throw new ArgumentException($"column name '{name}' appears twice (columns {_index[name]} and {i})", nameof(columns));
        }
    }

    /// <summary>Columns in file order.</summary>
    public IReadOnlyList<ParquetColumn> Columns { get; }

    /// <summary>Index of the column named <paramref name="name"/>, or -1.</summary>
    public int IndexOf(string name) => _index.TryGetValue(name, out int i) ? i : -1;
}
