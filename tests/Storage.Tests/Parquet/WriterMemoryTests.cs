using Amber.Storage.Parquet.Schema;
using Amber.Storage.Parquet.Writing;

namespace Amber.Storage.Tests.Parquet;

public class WriterMemoryTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Retained_memory_stays_flat_as_row_groups_stream_out(bool pipeline)
    {
        var schema = new ParquetSchema([new ParquetColumn("id", ParquetType.String), new ParquetColumn("x", ParquetType.Double), new ParquetColumn("label", ParquetType.String, Dictionary: true)]);
        const int rowsPerGroup = 20_000;
        string[] labels = ["neutral", "happy", "angry", "sad"];
        var sink = new CountingStream();
        using var w = new ParquetFileWriter(sink, schema, new ParquetWriterOptions { RowGroupRows = rowsPerGroup, PipelineRowGroups = pipeline });
        var id = w.Column<StringColumnBuffer>("id");
        var x = w.Column<PrimitiveColumnBuffer<double>>("x");
        var label = w.Column<StringColumnBuffer>("label");
        var retained = new List<long>();
        for (int g = 0; g < 30; g++)
        {
            for (int r = 0; r < rowsPerGroup; r++)
            {
                id.Add("utt-" + (g * rowsPerGroup + r).ToString(System.Globalization.CultureInfo.InvariantCulture));
                x.Add(r * 0.5);
                label.Add(labels[r & 3]);
                w.EndRow();
            }
            // Writing the next row's first value waits for nothing, so give a pipelined encode time to finish first;
            // the measurement is then of what the writer keeps, not of work in flight.
            if (pipeline) Thread.Sleep(50);
            retained.Add(GC.GetTotalMemory(forceFullCollection: true));
        }
        w.Complete();
        // 30 row groups went out (~12 MB of values); what the writer holds must not grow with them: the last
        // measurements are within a few row groups' worth of the early ones.
        long early = retained.Skip(2).Take(3).Max(), late = retained.Skip(25).Max();
        long rowGroupBytes = rowsPerGroup * (40L + 8 + 8);
        Assert.True(late - early < 2 * rowGroupBytes, $"retained memory grew from {early >> 10} KiB to {late >> 10} KiB while streaming");
        Assert.True(sink.Written > 30L * rowsPerGroup * 8, $"only {sink.Written} bytes were written");
    }

    /// <summary>A write-only sink that keeps nothing but the byte count.</summary>
    private sealed class CountingStream : Stream
    {
        public long Written { get; private set; }
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => Written;
        public override long Position { get => Written; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Written += count;
        public override void Write(ReadOnlySpan<byte> buffer) => Written += buffer.Length;
    }
}
