namespace Amber.Storage.Parquet.Format;

/// <summary>The footer of a Parquet file (<c>FileMetaData</c>), restricted to flat schemas.</summary>
public sealed class FileMetadata
{
    /// <summary>Format version (1 for files readable by every reader; 2 when v2 data pages are used).</summary>
    public int Version { get; set; } = 1;

    /// <summary>Schema elements: the root followed by one leaf per column.</summary>
    public List<SchemaElement> Schema { get; } = [];

    /// <summary>Total rows.</summary>
    public long NumRows { get; set; }

    /// <summary>Row groups in file order.</summary>
    public List<RowGroupMetadata> RowGroups { get; } = [];

    /// <summary>Key/value metadata.</summary>
    public List<KeyValuePair<string, string>> KeyValueMetadata { get; } = [];

    /// <summary>Writer identification.</summary>
    public string? CreatedBy { get; set; }
}

/// <summary>One node of the schema tree.</summary>
public sealed class SchemaElement
{
    /// <summary>Physical type; null for the root group.</summary>
    public PhysicalType? Type { get; set; }

    /// <summary>Repetition; null for the root.</summary>
    public Repetition? Repetition { get; set; }

    /// <summary>Field name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Children count for groups.</summary>
    public int? NumChildren { get; set; }

    /// <summary>Legacy converted type (UTF8 = 0, TIMESTAMP_MICROS = 10).</summary>
    public int? ConvertedType { get; set; }

    /// <summary>Logical annotation.</summary>
    public LogicalKind Logical { get; set; }
}

/// <summary>A row group: one column chunk per column.</summary>
public sealed class RowGroupMetadata
{
    /// <summary>Column chunks in schema order.</summary>
    public List<ColumnChunkMetadata> Columns { get; } = [];

    /// <summary>Uncompressed bytes of all column chunks.</summary>
    public long TotalByteSize { get; set; }

    /// <summary>Rows in this group.</summary>
    public long NumRows { get; set; }

    /// <summary>Offset of the first page.</summary>
    public long FileOffset { get; set; }

    /// <summary>Compressed bytes of all column chunks.</summary>
    public long TotalCompressedSize { get; set; }

    /// <summary>Position of this row group in the file.</summary>
    public short Ordinal { get; set; }
}

/// <summary>A column chunk (<c>ColumnChunk</c> + <c>ColumnMetaData</c>).</summary>
public sealed class ColumnChunkMetadata
{
    /// <summary>Physical type.</summary>
    public PhysicalType Type { get; set; }

    /// <summary>Encodings used by the pages.</summary>
    public List<ParquetEncoding> Encodings { get; } = [];

    /// <summary>Path of the column in the schema.</summary>
    public List<string> PathInSchema { get; } = [];

    /// <summary>Codec of every page.</summary>
    public CompressionCodec Codec { get; set; }

    /// <summary>Values including nulls.</summary>
    public long NumValues { get; set; }

    /// <summary>Bytes of the pages before compression (headers included).</summary>
    public long TotalUncompressedSize { get; set; }

    /// <summary>Bytes of the pages in the file (headers included).</summary>
    public long TotalCompressedSize { get; set; }

    /// <summary>Offset of the first data page.</summary>
    public long DataPageOffset { get; set; }

    /// <summary>Offset of the dictionary page, when there is one.</summary>
    public long? DictionaryPageOffset { get; set; }

    /// <summary>Chunk statistics.</summary>
    public ColumnStatistics? Statistics { get; set; }

    /// <summary>Offset of the chunk's first page.</summary>
    public long ChunkOffset => DictionaryPageOffset ?? DataPageOffset;
}

/// <summary>Min/max (plain-encoded bytes) and null count.</summary>
public sealed class ColumnStatistics
{
    /// <summary>Plain-encoded maximum, or null when all values are null (or NaN).</summary>
    public byte[]? MaxValue { get; set; }

    /// <summary>Plain-encoded minimum.</summary>
    public byte[]? MinValue { get; set; }

    /// <summary>Number of nulls.</summary>
    public long? NullCount { get; set; }
}

/// <summary>A page header.</summary>
public sealed class PageHeader
{
    /// <summary>Kind of page.</summary>
    public PageType Type { get; set; }

    /// <summary>Bytes after the header before compression.</summary>
    public int UncompressedPageSize { get; set; }

    /// <summary>Bytes after the header in the file.</summary>
    public int CompressedPageSize { get; set; }

    /// <summary>Values in the page (nulls included).</summary>
    public int NumValues { get; set; }

    /// <summary>Encoding of the values.</summary>
    public ParquetEncoding Encoding { get; set; }

    /// <summary>V2 only: nulls in the page.</summary>
    public int NumNulls { get; set; }

    /// <summary>V2 only: rows in the page.</summary>
    public int NumRows { get; set; }

    /// <summary>V2 only: byte length of the definition levels (stored uncompressed).</summary>
    public int DefinitionLevelsByteLength { get; set; }

    /// <summary>V2 only: byte length of the repetition levels.</summary>
    public int RepetitionLevelsByteLength { get; set; }

    /// <summary>V2 only: whether the values section is compressed.</summary>
    public bool IsCompressed { get; set; } = true;

    /// <summary>Page statistics (data pages).</summary>
    public ColumnStatistics? Statistics { get; set; }
}
