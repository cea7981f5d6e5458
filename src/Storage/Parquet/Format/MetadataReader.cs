using Amber.Storage.Parquet.Thrift;

namespace Amber.Storage.Parquet.Format;

/// <summary>Parses the footer and page headers; unknown fields are skipped.</summary>
public static class MetadataReader
{
    /// <summary>Reads <c>FileMetaData</c>.</summary>
    public static FileMetadata ReadFileMetadata(ThriftCompactReader r)
    {
        var m = new FileMetadata();
        r.BeginStruct();
        while (true)
        {
            var (id, type) = r.ReadFieldHeader();
            if (type == CompactType.Stop) break;
            switch (id)
            {
                case 1: m.Version = r.ReadI32(); break;
                case 2: ReadList(r, () => m.Schema.Add(ReadSchemaElement(r))); break;
                case 3: m.NumRows = r.ReadI64(); break;
                case 4: ReadList(r, () => m.RowGroups.Add(ReadRowGroup(r))); break;
                case 5: ReadList(r, () => m.KeyValueMetadata.Add(ReadKeyValue(r))); break;
                case 6: m.CreatedBy = r.ReadString(); break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return m;
    }

    /// <summary>Reads a <c>PageHeader</c>.</summary>
    public static PageHeader ReadPageHeader(ThriftCompactReader r)
    {
        var h = new PageHeader();
        r.BeginStruct();
        while (true)
        {
            var (id, type) = r.ReadFieldHeader();
            if (type == CompactType.Stop) break;
            switch (id)
            {
                case 1: h.Type = (PageType)r.ReadI32(); break;
                case 2: h.UncompressedPageSize = r.ReadI32(); break;
                case 3: h.CompressedPageSize = r.ReadI32(); break;
                case 5: ReadStruct(r, fid =>
                    {
                        switch (fid.Id)
                        {
                            case 1: h.NumValues = r.ReadI32(); return true;
                            case 2: h.Encoding = (ParquetEncoding)r.ReadI32(); return true;
                            default: return false;
                        }
                    });
                    break;
                case 7: ReadStruct(r, fid =>
                    {
                        switch (fid.Id)
                        {
                            case 1: h.NumValues = r.ReadI32(); return true;
                            case 2: h.Encoding = (ParquetEncoding)r.ReadI32(); return true;
                            default: return false;
                        }
                    });
                    break;
                case 8: ReadStruct(r, fid =>
                    {
                        switch (fid.Id)
                        {
                            case 1: h.NumValues = r.ReadI32(); return true;
                            case 2: h.NumNulls = r.ReadI32(); return true;
                            case 3: h.NumRows = r.ReadI32(); return true;
                            case 4: h.Encoding = (ParquetEncoding)r.ReadI32(); return true;
                            case 5: h.DefinitionLevelsByteLength = r.ReadI32(); return true;
                            case 6: h.RepetitionLevelsByteLength = r.ReadI32(); return true;
                            case 7: h.IsCompressed = r.ReadBoolField(); return true;
                            default: return false;
                        }
                    });
                    break;
                default: r.Skip(type); break;
            }
        }
        r.EndStruct();
        return h;
    }

    private static void ReadList(ThriftCompactReader r, Action readElement)
    {
        var (_, count) = r.ReadListHeader();
        for (int i = 0; i < count; i++) readElement();
    }

    /// <summary>Reads a struct, handing each field to <paramref name="field"/>; fields it does not take are skipped.</summary>
    private static void ReadStruct(ThriftCompactReader r, Func<(short Id, CompactType Type), bool> field)
    {
        r.BeginStruct();
        while (true)
        {
            var header = r.ReadFieldHeader();
            if (header.Type == CompactType.Stop) break;
            if (!field(header)) r.Skip(header.Type);
        }
        r.EndStruct();
    }

    private static KeyValuePair<string, string> ReadKeyValue(ThriftCompactReader r)
    {
        string key = "", value = "";
        ReadStruct(r, f =>
        {
            if (f.Id == 1) { key = r.ReadString(); return true; }
            if (f.Id == 2) { value = r.ReadString(); return true; }
            return false;
        });
        return new(key, value);
    }

    private static SchemaElement ReadSchemaElement(ThriftCompactReader r)
    {
        var e = new SchemaElement();
        ReadStruct(r, f =>
        {
            switch (f.Id)
            {
                case 1: e.Type = (PhysicalType)r.ReadI32(); return true;
                case 3: e.Repetition = (Repetition)r.ReadI32(); return true;
                case 4: e.Name = r.ReadString(); return true;
                case 5: e.NumChildren = r.ReadI32(); return true;
                case 6:
                    e.ConvertedType = r.ReadI32();
                    if (e.Logical == LogicalKind.None)
                        e.Logical = e.ConvertedType switch { 0 => LogicalKind.String, 10 => LogicalKind.TimestampMicrosUtc, _ => LogicalKind.None };
                    return true;
                case 10:
                    ReadStruct(r, lt =>
                    {
                        if (lt.Id == 1) { e.Logical = LogicalKind.String; return false; }
                        if (lt.Id == 8) { e.Logical = LogicalKind.TimestampMicrosUtc; return false; }
                        return false;
                    });
                    return true;
                default: return false;
            }
        });
        return e;
    }

    private static RowGroupMetadata ReadRowGroup(ThriftCompactReader r)
    {
        var rg = new RowGroupMetadata();
        ReadStruct(r, f =>
        {
            switch (f.Id)
            {
                case 1: ReadList(r, () => rg.Columns.Add(ReadColumnChunk(r))); return true;
                case 2: rg.TotalByteSize = r.ReadI64(); return true;
                case 3: rg.NumRows = r.ReadI64(); return true;
                case 5: rg.FileOffset = r.ReadI64(); return true;
                case 6: rg.TotalCompressedSize = r.ReadI64(); return true;
                case 7: rg.Ordinal = (short)r.ReadI32(); return true;
                default: return false;
            }
        });
        return rg;
    }

    private static ColumnChunkMetadata ReadColumnChunk(ThriftCompactReader r)
    {
        var c = new ColumnChunkMetadata();
        ReadStruct(r, f =>
        {
            if (f.Id == 1 && f.Type == CompactType.Binary)
                throw new InvalidDataException($"column chunk refers to an external file '{r.ReadString()}'; only self-contained files are read");
            if (f.Id != 3) return false;
            ReadStruct(r, g =>
            {
                switch (g.Id)
                {
                    case 1: c.Type = (PhysicalType)r.ReadI32(); return true;
                    case 2: ReadList(r, () => c.Encodings.Add((ParquetEncoding)r.ReadI32())); return true;
                    case 3: ReadList(r, () => c.PathInSchema.Add(r.ReadString())); return true;
                    case 4: c.Codec = (CompressionCodec)r.ReadI32(); return true;
                    case 5: c.NumValues = r.ReadI64(); return true;
                    case 6: c.TotalUncompressedSize = r.ReadI64(); return true;
                    case 7: c.TotalCompressedSize = r.ReadI64(); return true;
                    case 9: c.DataPageOffset = r.ReadI64(); return true;
                    case 11: c.DictionaryPageOffset = r.ReadI64(); return true;
                    case 12: c.Statistics = ReadStatistics(r); return true;
                    default: return false;
                }
            });
            return true;
        });
        return c;
    }

    private static ColumnStatistics ReadStatistics(ThriftCompactReader r)
    {
        var s = new ColumnStatistics();
        byte[]? legacyMax = null, legacyMin = null;
        ReadStruct(r, f =>
        {
            switch (f.Id)
            {
                case 1: legacyMax = r.ReadBinary(); return true;
                case 2: legacyMin = r.ReadBinary(); return true;
                case 3: s.NullCount = r.ReadI64(); return true;
                case 5: s.MaxValue = r.ReadBinary(); return true;
                case 6: s.MinValue = r.ReadBinary(); return true;
                default: return false;
            }
        });
        s.MaxValue ??= legacyMax;
        s.MinValue ??= legacyMin;
        return s;
    }
}
