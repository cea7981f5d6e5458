using global::Parquet;

namespace Amber.Storage.Results;

/// <summary>How the Parquet bytes of a results file are laid out (Parquet.Net does the encoding).</summary>
public sealed record ResultsParquetOptions
{
    /// <summary>Page compression; SNAPPY by default (what DuckDB, Spark and pyarrow write by default too).</summary>
    public CompressionMethod Compression { get; init; } = CompressionMethod.Snappy;

    /// <summary>
    /// Rows per row group (DuckDB's default, 122,880). The writer holds at most two row groups in memory: the one being
    /// filled and the one being encoded, so memory stays bounded for any number of rows.
    /// </summary>
    public int RowGroupRows { get; init; } = 122_880;

    /// <summary>Encode the previous row group on another thread while the next one is filled.</summary>
    public bool PipelineRowGroups { get; init; } = true;

    internal void Validate()
    {
        if (RowGroupRows < 1) throw new ArgumentOutOfRangeException(nameof(RowGroupRows), RowGroupRows, "rows per row group must be at least 1");
        if (Compression is not (CompressionMethod.None or CompressionMethod.Snappy or CompressionMethod.Gzip or CompressionMethod.Zstd))
            throw new ArgumentOutOfRangeException(nameof(Compression), Compression, "compression must be None, Snappy, Gzip or Zstd (the codecs DuckDB, pyarrow and Spark all read)");
    }
}
