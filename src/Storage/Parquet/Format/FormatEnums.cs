namespace Amber.Storage.Parquet.Format;

/// <summary>Physical types of parquet-format (<c>Type</c> in parquet.thrift).</summary>
public enum PhysicalType
{
    /// <summary>Bit-packed booleans.</summary>
    Boolean = 0,
    /// <summary>32-bit little-endian integers.</summary>
    Int32 = 1,
    /// <summary>64-bit little-endian integers.</summary>
    Int64 = 2,
    /// <summary>Legacy 96-bit timestamps (read-only here).</summary>
    Int96 = 3,
    /// <summary>IEEE 754 single precision.</summary>
    Float = 4,
    /// <summary>IEEE 754 double precision.</summary>
    Double = 5,
    /// <summary>Length-prefixed byte strings.</summary>
    ByteArray = 6,
    /// <summary>Fixed-length byte strings.</summary>
    FixedLenByteArray = 7,
}

/// <summary>Repetition of a schema field.</summary>
public enum Repetition
{
    /// <summary>Always present.</summary>
    Required = 0,
    /// <summary>May be null (definition level 0 or 1).</summary>
    Optional = 1,
    /// <summary>Repeated (not written by this project).</summary>
    Repeated = 2,
}

/// <summary>Value and level encodings.</summary>
public enum ParquetEncoding
{
    /// <summary>Values back to back.</summary>
    Plain = 0,
    /// <summary>Legacy dictionary encoding name.</summary>
    PlainDictionary = 2,
    /// <summary>RLE / bit-packed hybrid.</summary>
    Rle = 3,
    /// <summary>Legacy bit packing.</summary>
    BitPacked = 4,
    /// <summary>Dictionary indices as RLE / bit-packed hybrid.</summary>
    RleDictionary = 8,
}

/// <summary>Page compression codecs supported here.</summary>
public enum CompressionCodec
{
    /// <summary>No compression.</summary>
    Uncompressed = 0,
    /// <summary>Snappy raw blocks (IronSnappy).</summary>
    Snappy = 1,
    /// <summary>GZIP (System.IO.Compression).</summary>
    Gzip = 2,
}

/// <summary>Kinds of pages.</summary>
public enum PageType
{
    /// <summary>Data page, header version 1.</summary>
    DataPage = 0,
    /// <summary>Index page (unused).</summary>
    IndexPage = 1,
    /// <summary>Dictionary page.</summary>
    DictionaryPage = 2,
    /// <summary>Data page, header version 2.</summary>
    DataPageV2 = 3,
}

/// <summary>Logical annotations this project writes.</summary>
public enum LogicalKind
{
    /// <summary>No annotation.</summary>
    None,
    /// <summary>UTF-8 string on BYTE_ARRAY.</summary>
    String,
    /// <summary>Microseconds since the Unix epoch, UTC, on INT64.</summary>
    TimestampMicrosUtc,
}
