using Amber.Storage.Parquet.Format;
using Amber.Storage.Parquet.Reading;
using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Writing;
using Amber.Storage.Tests.Support;

namespace Amber.Storage.Tests.Parquet;

public class ReaderAndAtomicityTests
{
    [Theory]
    [InlineData(CompressionCodec.Snappy, 1)]
    [InlineData(CompressionCodec.Gzip, 2)]
    [InlineData(CompressionCodec.Uncompressed, 2)]
    public void Reader_returns_what_was_written(CompressionCodec codec, int pageVersion)
    {
        using var dir = new TempDir();
        var path = dir.File("t.parquet");
        var table = new SampleTable(2100, seed: 7);
        using (var w = ParquetFileWriter.CreateFile(path, SampleTable.Schema, new ParquetWriterOptions { Codec = codec, DataPageVersion = pageVersion, RowGroupRows = 800, PageBytes = 2048 }, [new("k", "v")]))
        {
            table.WriteTo(w);
            w.Complete();
        }
        using var reader = ParquetFileReader.Open(path);
        Assert.Equal(2100, reader.RowCount);
        Assert.Equal(3, reader.RowGroupCount);
        Assert.Equal("v", reader.KeyValueMetadata["k"]);
        Assert.Equal(SampleTable.Schema.Columns, reader.Schema.Columns.Select((c, i) => c with { Dictionary = SampleTable.Schema.Columns[i].Dictionary }));
        var columns = reader.ReadAll();
        for (int c = 0; c < columns.Count; c++)
            for (int r = 0; r < table.Rows; r++)
            {
                var expected = table.Columns[c][r];
                var actual = columns[c][r];
                if (expected is float f && float.IsNaN(f)) Assert.True(float.IsNaN((float)actual!), $"row {r} col {c}");
                else Assert.Equal(expected, actual);
            }
    }

    [Fact]
    public void An_unfinished_file_is_absent()
    {
        using var dir = new TempDir();
        var path = dir.File("partial.parquet");
        using (var w = ParquetFileWriter.CreateFile(path, SampleTable.Schema))
        {
            new SampleTable(10, 1).WriteTo(w);
            Assert.False(File.Exists(path));
        }
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_row_missing_a_column_value_is_reported_with_the_column_name()
    {
        using var ms = new MemoryStream();
        var schema = new ParquetSchema([new ParquetColumn("a", ParquetType.Int32), new ParquetColumn("b", ParquetType.Int32)]);
        using var w = new ParquetFileWriter(ms, schema);
        w.Column<PrimitiveColumnBuffer<int>>("a").Add(1);
        w.EndRow();
        var e = Assert.Throws<InvalidOperationException>(w.Complete);
        Assert.Contains("column 'b' holds 0 values but 1 rows", e.Message);
    }

    [Fact]
    public void Null_in_a_required_column_is_rejected()
    {
        using var ms = new MemoryStream();
        using var w = new ParquetFileWriter(ms, new ParquetSchema([new ParquetColumn("id", ParquetType.String)]));
        var e = Assert.Throws<InvalidOperationException>(() => w.Column<StringColumnBuffer>("id").Add(null));
        Assert.Contains("'id' is REQUIRED", e.Message);
    }

    [Fact]
    public void A_truncated_file_gives_a_clear_error()
    {
        using var dir = new TempDir();
        var path = dir.File("t.parquet");
        using (var w = ParquetFileWriter.CreateFile(path, SampleTable.Schema))
        {
            new SampleTable(50, 1).WriteTo(w);
            w.Complete();
        }
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..^3]);
        var e = Assert.Throws<InvalidDataException>(() => ParquetFileReader.Open(path).Dispose());
        Assert.Contains(path, e.Message);
        Assert.Contains("PAR1", e.Message);
    }
}
