using System.Globalization;
using System.Text.Json;
using Amber.Storage.Parquet.Format;
using Amber.Storage.Parquet.Writing;
using Amber.Storage.Tests.Support;

namespace Amber.Storage.Tests.Parquet;

/// <summary>DuckDB, an independent reader, must see the values, types, nulls, statistics and metadata the writer wrote.</summary>
public class DuckDbReadsWriterOutputTests
{
    private static readonly string[] ExpectedDuckDbTypes =
        ["BOOLEAN", "BOOLEAN", "INTEGER", "INTEGER", "BIGINT", "FLOAT", "DOUBLE", "VARCHAR", "VARCHAR", "VARCHAR", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP WITH TIME ZONE"];

    [Theory]
    [InlineData(CompressionCodec.Uncompressed, 1, 3000, 1000)]
    [InlineData(CompressionCodec.Snappy, 1, 2500, 122_880)]
    [InlineData(CompressionCodec.Gzip, 1, 2000, 700)]
    [InlineData(CompressionCodec.Uncompressed, 2, 1500, 400)]
    [InlineData(CompressionCodec.Snappy, 2, 3000, 1024)]
    [InlineData(CompressionCodec.Gzip, 2, 1000, 122_880)]
    public void DuckDB_reads_every_column_kind(CompressionCodec codec, int pageVersion, int rows, int rowGroupRows)
    {
        using var dir = new TempDir();
        var path = dir.File("sample.parquet");
        var table = new SampleTable(rows, seed: rows + pageVersion);
        var options = new ParquetWriterOptions { Codec = codec, DataPageVersion = pageVersion, RowGroupRows = rowGroupRows, PageBytes = 4096 };
        using (var w = ParquetFileWriter.CreateFile(path, SampleTable.Schema, options, [new("amber.schema_version", "1"), new("amber.config", "{\"lr\":0.001}")]))
        {
            table.WriteTo(w);
            w.Complete();
        }

        var duck = TestEnvironment.RunNodeJson("duckdb-read.mjs", path);
        var columns = duck.GetProperty("columns").EnumerateArray().ToArray();
        Assert.Equal(SampleTable.Schema.Columns.Select(c => c.Name), columns.Select(c => c.GetProperty("name").GetString()));
        Assert.Equal(ExpectedDuckDbTypes, columns.Select(c => c.GetProperty("type").GetString()));
        AssertRowsEqual(table, duck.GetProperty("rows"));

        var kv = duck.GetProperty("kv");
        Assert.Equal("1", kv.GetProperty("amber.schema_version").GetString());
        Assert.Equal("{\"lr\":0.001}", kv.GetProperty("amber.config").GetString());

        // Chunk statistics as DuckDB decodes them, against min/max/null counts computed here from the source values.
        var stats = duck.GetProperty("stats").EnumerateArray().ToArray();
        int groups = (rows + rowGroupRows - 1) / rowGroupRows;
        Assert.Equal(groups * SampleTable.Schema.Columns.Count, stats.Length);
        foreach (var s in stats)
        {
            int g = int.Parse(s.GetProperty("row_group_id").ToString(), CultureInfo.InvariantCulture);
            string name = s.GetProperty("path_in_schema").GetString()!;
            int c = SampleTable.Schema.IndexOf(name);
            var slice = table.Columns[c].Skip(g * rowGroupRows).Take(rowGroupRows).ToArray();
            Assert.Equal(slice.Count(v => v is null).ToString(CultureInfo.InvariantCulture), s.GetProperty("stats_null_count").ToString());
            Assert.Equal(codec.ToString().ToUpperInvariant(), s.GetProperty("compression").GetString());
            if (SampleTable.Schema.Columns[c].Type is Amber.Storage.Parquet.Schema.ParquetType.Int32)
            {
                var ints = slice.OfType<int>().ToArray();
                Assert.Equal(ints.Min().ToString(CultureInfo.InvariantCulture), s.GetProperty("stats_min_value").GetString());
                Assert.Equal(ints.Max().ToString(CultureInfo.InvariantCulture), s.GetProperty("stats_max_value").GetString());
            }
            if (name == "text")
            {
                var texts = slice.Cast<string>().ToArray();
                Assert.Equal(texts.Min(StringComparer.Ordinal), s.GetProperty("stats_min_value").GetString());
                Assert.Equal(texts.Max(StringComparer.Ordinal), s.GetProperty("stats_max_value").GetString());
            }
            if (name == "label")
                Assert.Contains("RLE_DICTIONARY", s.GetProperty("encodings").GetString());
        }
    }

    [Fact]
    public void Hyparquet_reads_the_same_values_as_the_source()
    {
        using var dir = new TempDir();
        var path = dir.File("hyparquet.parquet");
        var table = new SampleTable(1200, seed: 99);
        using (var w = ParquetFileWriter.CreateFile(path, SampleTable.Schema, new ParquetWriterOptions { RowGroupRows = 500, PageBytes = 2048 }, [new("amber.schema_version", "1")]))
        {
            table.WriteTo(w);
            w.Complete();
        }
        var hy = TestEnvironment.RunNodeJson("hyparquet-read.mjs", path);
        Assert.Equal(SampleTable.Schema.Columns.Select(c => c.Name), hy.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal("1", hy.GetProperty("kv").GetProperty("amber.schema_version").GetString());
        AssertRowsEqual(table, hy.GetProperty("rows"));
    }

    /// <summary>Compares JSON rows (from a Node reader) against the source values, naming row and column on a mismatch.</summary>
    internal static void AssertRowsEqual(SampleTable table, JsonElement rows)
    {
        var array = rows.EnumerateArray().ToArray();
        Assert.Equal(table.Rows, array.Length);
        for (int r = 0; r < table.Rows; r++)
        {
            var row = array[r].EnumerateArray().ToArray();
            for (int c = 0; c < table.Columns.Length; c++)
            {
                var expected = table.Columns[c][r];
                var actual = row[c];
                bool ok = expected switch
                {
                    null => actual.ValueKind == JsonValueKind.Null,
                    bool b => actual.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
                    int i => actual.ValueKind == JsonValueKind.Number && actual.GetInt64() == i,
                    long l => actual.ToString() == l.ToString(CultureInfo.InvariantCulture),
                    float f when float.IsNaN(f) => actual.ValueKind == JsonValueKind.String && actual.GetString()!.TrimStart('-').Equals("nan", StringComparison.OrdinalIgnoreCase),
                    float f when float.IsInfinity(f) => actual.ValueKind == JsonValueKind.String && actual.GetString()!.TrimStart('+').StartsWith(f > 0 ? "inf" : "-inf", StringComparison.OrdinalIgnoreCase),
                    float f => actual.ValueKind == JsonValueKind.Number && actual.GetDouble() == f,
                    double d => actual.ValueKind == JsonValueKind.Number && actual.GetDouble() == d,
                    string s => actual.ValueKind == JsonValueKind.String && actual.GetString() == s,
                    DateTimeOffset t => actual.ToString() == SampleTable.Micros(t).ToString(CultureInfo.InvariantCulture),
                    _ => false,
                };
                Assert.True(ok, $"row {r}, column '{SampleTable.Schema.Columns[c].Name}': expected {expected ?? "null"}, reader returned {actual}");
            }
        }
    }
}
