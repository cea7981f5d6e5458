using System.IO.Compression;
using Amber.Storage.Parquet.Format;

namespace Amber.Storage.Parquet.Writing;

/// <summary>Knobs of <see cref="ParquetFileWriter"/>; the defaults suit the results tables.</summary>
public sealed record ParquetWriterOptions
{
    /// <summary>Page codec (default SNAPPY, what pandas and DuckDB write by default).</summary>
    public CompressionCodec Codec { get; init; } = CompressionCodec.Snappy;

    /// <summary>Rows per row group; the writer holds at most this many rows in memory (DuckDB's default).</summary>
    public int RowGroupRows { get; init; } = 122_880;

    /// <summary>
    /// Target bytes of values per data page before compression. 64 KiB keeps every page buffer (and its Snappy output)
    /// under .NET's 85,000-byte large-object threshold, which avoids full garbage collections while writing.
    /// </summary>
    public int PageBytes { get; init; } = 64 << 10;

    /// <summary>Data page header version 1 (widest reader support) or 2.</summary>
    public int DataPageVersion { get; init; } = 1;

    /// <summary>Largest dictionary (entries) before a chunk falls back to plain encoding.</summary>
    public int MaxDictionaryEntries { get; init; } = 32_768;

    /// <summary>GZIP effort.</summary>
    public CompressionLevel GzipLevel { get; init; } = CompressionLevel.Fastest;

    /// <summary>Encode and write a full row group on a background task while the next one fills (memory: two row groups).</summary>
    public bool PipelineRowGroups { get; init; } = true;

    /// <summary>Encode the columns of a row group in parallel.</summary>
    public bool ParallelColumns { get; init; } = true;

    /// <summary>Throws when an option is out of range.</summary>
    internal void Validate()
    {
        if (RowGroupRows < 1) throw new ArgumentOutOfRangeException(nameof(RowGroupRows), RowGroupRows, "rows per row group must be at least 1");
        if (PageBytes < 1024) throw new ArgumentOutOfRangeException(nameof(PageBytes), PageBytes, "page size must be at least 1024 bytes");
        if (DataPageVersion is not (1 or 2)) throw new ArgumentOutOfRangeException(nameof(DataPageVersion), DataPageVersion, "data page header version must be 1 or 2");
        if (!Enum.IsDefined(Codec)) throw new ArgumentOutOfRangeException(nameof(Codec), Codec, "codec must be UNCOMPRESSED, SNAPPY or GZIP");
    }
}
