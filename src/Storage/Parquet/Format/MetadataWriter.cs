using Amber.Storage.Parquet.Thrift;

namespace Amber.Storage.Parquet.Format;

/// <summary>Serializes the footer and page headers with the field ids of parquet.thrift.</summary>
public static class MetadataWriter
{
    /// <summary>Writes <c>FileMetaData</c>.</summary>
    public static void WriteFileMetadata(ThriftCompactWriter w, FileMetadata m)
    {
        w.BeginStruct();
        w.WriteI32Field(1, m.Version);
        w.WriteListFieldHeader(2, CompactType.Struct, m.Schema.Count);
        foreach (var e in m.Schema) WriteSchemaElement(w, e);
        w.WriteI64Field(3, m.NumRows);
        w.WriteListFieldHeader(4, CompactType.Struct, m.RowGroups.Count);
        foreach (var rg in m.RowGroups) WriteRowGroup(w, rg);
        if (m.KeyValueMetadata.Count > 0)
        {
            w.WriteListFieldHeader(5, CompactType.Struct, m.KeyValueMetadata.Count);
            foreach (var kv in m.KeyValueMetadata)
            {
                w.BeginStruct();
                w.WriteStringField(1, kv.Key);
                w.WriteStringField(2, kv.Value);
                w.EndStruct();
            }
        }
        if (m.CreatedBy is not null) w.WriteStringField(6, m.CreatedBy);
        // column_orders: TYPE_ORDER for every leaf tells readers that min_value/max_value follow the type's sort order.
        int leaves = m.Schema.Count - 1;
        w.WriteListFieldHeader(7, CompactType.Struct, leaves);
        for (int i = 0; i < leaves; i++)
        {
            w.BeginStruct();
            w.WriteStructFieldHeader(1);
            w.BeginStruct();
            w.EndStruct();
            w.EndStruct();
        }
        w.EndStruct();
    }

    /// <summary>Writes a <c>PageHeader</c>.</summary>
    public static void WritePageHeader(ThriftCompactWriter w, PageHeader h)
    {
        w.BeginStruct();
        w.WriteI32Field(1, (int)h.Type);
        w.WriteI32Field(2, h.UncompressedPageSize);
        w.WriteI32Field(3, h.CompressedPageSize);
        switch (h.Type)
        {
            case PageType.DataPage:
                w.WriteStructFieldHeader(5);
                w.BeginStruct();
                w.WriteI32Field(1, h.NumValues);
                w.WriteI32Field(2, (int)h.Encoding);
                w.WriteI32Field(3, (int)ParquetEncoding.Rle);
                w.WriteI32Field(4, (int)ParquetEncoding.Rle);
                if (h.Statistics is not null) WriteStatistics(w, 5, h.Statistics);
                w.EndStruct();
                break;
            case PageType.DictionaryPage:
                w.WriteStructFieldHeader(7);
                w.BeginStruct();
                w.WriteI32Field(1, h.NumValues);
                w.WriteI32Field(2, (int)h.Encoding);
                w.EndStruct();
                break;
            case PageType.DataPageV2:
                w.WriteStructFieldHeader(8);
                w.BeginStruct();
                w.WriteI32Field(1, h.NumValues);
                w.WriteI32Field(2, h.NumNulls);
                w.WriteI32Field(3, h.NumRows);
                w.WriteI32Field(4, (int)h.Encoding);
                w.WriteI32Field(5, h.DefinitionLevelsByteLength);
                w.WriteI32Field(6, h.RepetitionLevelsByteLength);
                w.WriteBoolField(7, h.IsCompressed);
                if (h.Statistics is not null) WriteStatistics(w, 8, h.Statistics);
                w.EndStruct();
                break;
            default:
                throw new ArgumentException($"page type {h.Type} is not written by this writer", nameof(h));
        }
        w.EndStruct();
    }

    private static void WriteSchemaElement(ThriftCompactWriter w, SchemaElement e)
    {
        w.BeginStruct();
        if (e.Type is { } t) w.WriteI32Field(1, (int)t);
        if (e.Repetition is { } r) w.WriteI32Field(3, (int)r);
        w.WriteStringField(4, e.Name);
        if (e.NumChildren is { } n) w.WriteI32Field(5, n);
        if (e.ConvertedType is { } c) w.WriteI32Field(6, c);
        if (e.Logical != LogicalKind.None)
        {
            w.WriteStructFieldHeader(10);
            w.BeginStruct();
            if (e.Logical == LogicalKind.String)
            {
                w.WriteStructFieldHeader(1); // LogicalType.STRING
                w.BeginStruct();
                w.EndStruct();
            }
            else
            {
                w.WriteStructFieldHeader(8); // LogicalType.TIMESTAMP
                w.BeginStruct();
                w.WriteBoolField(1, true); // isAdjustedToUTC
                w.WriteStructFieldHeader(2); // unit
                w.BeginStruct();
                w.WriteStructFieldHeader(2); // TimeUnit.MICROS
                w.BeginStruct();
                w.EndStruct();
                w.EndStruct();
                w.EndStruct();
            }
            w.EndStruct();
        }
        w.EndStruct();
    }

    private static void WriteRowGroup(ThriftCompactWriter w, RowGroupMetadata rg)
    {
        w.BeginStruct();
        w.WriteListFieldHeader(1, CompactType.Struct, rg.Columns.Count);
        foreach (var c in rg.Columns) WriteColumnChunk(w, c);
        w.WriteI64Field(2, rg.TotalByteSize);
        w.WriteI64Field(3, rg.NumRows);
        w.WriteI64Field(5, rg.FileOffset);
        w.WriteI64Field(6, rg.TotalCompressedSize);
        w.WriteI16Field(7, rg.Ordinal);
        w.EndStruct();
    }

    private static void WriteColumnChunk(ThriftCompactWriter w, ColumnChunkMetadata c)
    {
        w.BeginStruct();
        w.WriteI64Field(2, c.ChunkOffset);
        w.WriteStructFieldHeader(3);
        w.BeginStruct();
        w.WriteI32Field(1, (int)c.Type);
        w.WriteListFieldHeader(2, CompactType.I32, c.Encodings.Count);
        foreach (var e in c.Encodings) w.WriteI32((int)e);
        w.WriteListFieldHeader(3, CompactType.Binary, c.PathInSchema.Count);
        foreach (var p in c.PathInSchema) w.WriteString(p);
        w.WriteI32Field(4, (int)c.Codec);
        w.WriteI64Field(5, c.NumValues);
        w.WriteI64Field(6, c.TotalUncompressedSize);
        w.WriteI64Field(7, c.TotalCompressedSize);
        w.WriteI64Field(9, c.DataPageOffset);
        if (c.DictionaryPageOffset is { } d) w.WriteI64Field(11, d);
        if (c.Statistics is not null) WriteStatistics(w, 12, c.Statistics);
        w.EndStruct();
        w.EndStruct();
    }

    private static void WriteStatistics(ThriftCompactWriter w, short fieldId, ColumnStatistics s)
    {
        w.WriteStructFieldHeader(fieldId);
        w.BeginStruct();
        if (s.NullCount is { } n) w.WriteI64Field(3, n);
        if (s.MaxValue is not null) w.WriteBinaryField(5, s.MaxValue);
        if (s.MinValue is not null) w.WriteBinaryField(6, s.MinValue);
        w.EndStruct();
    }
}
