using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;
using Amber.Storage.Tests.Support;
using global::Parquet;
using global::Parquet.Schema;

namespace Amber.Storage.Tests.Results;

/// <summary>What the results writer promises beyond the values: bounded memory, complete-or-absent files, checked reads.</summary>
public sealed class ResultsWriterTests : IDisposable
{
    private static readonly RunIdentity Run = ResultsSamples.Run;
    private readonly TempDir _dir = new();
    private readonly FileSystemBlobStore _store;

    public ResultsWriterTests() => _store = new FileSystemBlobStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Predictions_stream_row_group_by_row_group_with_flat_memory(bool pipeline)
    {
        const int rows = 300_000, rowGroup = 10_000;
        var template = ResultsSamples.Predictions(64);
        var retained = new List<long>();
        IEnumerable<PredictionRow> Generate()
        {
            for (int i = 0; i < rows; i++)
            {
                if (i % 20_000 == 0) retained.Add(GC.GetTotalMemory(forceFullCollection: true));
                var t = template[i % template.Count];
                // Fresh objects per row, as a real run produces them: nothing keeps them alive but the writer.
                yield return t with { UtteranceId = "utt-" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Predicted = (float[])t.Predicted.Clone() };
            }
        }
        var options = new ResultsWriteOptions(Parquet: new ResultsParquetOptions { RowGroupRows = rowGroup, PipelineRowGroups = pipeline });
        var put = await ResultsWriter.WritePredictionsAsync(_store, ResultsLayout.RunPrefix(Run), Run, Generate(), options: options);

        // 300,000 rows (≥ 60 MB as objects) went through; what stays alive must not grow with them: the late measurements
        // are within a few row groups of the early ones (one row group of buffers ≈ 10,000 × 29 values).
        long early = retained.Skip(1).Take(3).Max(), late = retained.Skip(retained.Count - 4).Max();
        Assert.True(retained.Count == rows / 20_000, $"{retained.Count} measurements");
        Assert.True(late - early < 12L << 20, $"retained memory grew from {early >> 20} MiB to {late >> 20} MiB while streaming");
        var back = await ResultsReader.ReadPredictionsAsync(_store, ResultsLayout.RunPrefix(Run));
        Assert.Equal(rows, back!.Rows.Count);
        Assert.Equal("utt-299999", back.Rows[^1].UtteranceId);
        Assert.Equal(new FileInfo(_store.PathOf(ResultsLayout.Predictions(ResultsLayout.RunPrefix(Run)))).Length, put.Length);
        await using var reader = await ParquetReader.CreateAsync(_store.PathOf(ResultsLayout.Predictions(ResultsLayout.RunPrefix(Run))));
        Assert.Equal(rows / rowGroup, reader.RowGroupCount);
    }

    [Fact]
    public async Task A_write_that_fails_midway_leaves_no_blob_and_no_temporary_file()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var before = Directory.GetFiles(Path.GetTempPath(), "amber-results-*").Length;
        IEnumerable<PredictionRow> Rows()
        {
            foreach (var r in ResultsSamples.Predictions(250)) yield return r;
            throw new IOException("the source failed after 250 rows");
        }
        var options = new ResultsWriteOptions(Parquet: new ResultsParquetOptions { RowGroupRows = 100 });
        await Assert.ThrowsAsync<IOException>(() => ResultsWriter.WritePredictionsAsync(_store, prefix, Run, Rows(), options: options));
        Assert.Null(await _store.GetPropertiesAsync(ResultsLayout.Predictions(prefix)));
        Assert.Empty(await _store.ListAsync("").ToListAsync());
        Assert.Equal(before, Directory.GetFiles(Path.GetTempPath(), "amber-results-*").Length);
    }

    [Fact]
    public async Task A_local_predictions_file_is_complete_or_absent()
    {
        var path = _dir.File("export/predictions.parquet");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var rows = ResultsSamples.Predictions(30);
        rows[20] = rows[20] with { Gender = "X" };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ResultsWriter.WritePredictionsFileAsync(path, Run, rows));
        Assert.Contains("row 20", e.Message);
        Assert.Contains("'gender'", e.Message);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!));

        rows[20] = rows[20] with { Gender = "F" };
        await ResultsWriter.WritePredictionsFileAsync(path, Run, rows);
        Assert.Equal([path], Directory.GetFiles(Path.GetDirectoryName(path)!));
        await using var reader = await ParquetReader.CreateAsync(path);
        Assert.Equal("predictions", reader.CustomMetadata[ResultsLayout.TableKey]);
        Assert.Equal(30, reader.RowGroups.Sum(g => g.RowCount));
    }

    [Fact]
    public async Task The_reader_refuses_other_tables_newer_schemas_and_broken_files_by_name()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        // A curves file stored under the metrics name.
        await ResultsWriter.WriteCurvesAsync(_store, prefix, Run, ResultsSamples.Curves(3));
        File.Copy(_store.PathOf(ResultsLayout.Curves(prefix)), _store.PathOf(ResultsLayout.Metrics(prefix)));
        var wrong = await Assert.ThrowsAsync<InvalidDataException>(() => ResultsReader.ReadMetricsAsync(_store, prefix));
        Assert.Contains("metrics.parquet", wrong.Message);
        Assert.Contains("'curves', expected 'metrics'", wrong.Message);

        // A file from a newer amber.
        using (var ms = new MemoryStream())
        {
            var field = new DataField<string>("metric");
            await using (var w = await ParquetWriter.CreateAsync(new ParquetSchema(field), ms))
            {
                w.CustomMetadata = new Dictionary<string, string> { [ResultsLayout.SchemaVersionKey] = "2", [ResultsLayout.TableKey] = "summary" };
                using var rg = w.CreateRowGroup();
                await rg.WriteAsync(field, new[] { "bc" });
            }
            await _store.PutBytesAsync(ResultsLayout.Summary("newer"), ms.ToArray());
        }
        var newer = await Assert.ThrowsAsync<InvalidDataException>(() => ResultsReader.ReadSummaryAsync(_store, "newer"));
        Assert.Contains("schema version 2 is newer", newer.Message);

        // A truncated upload (bytes cut off the footer).
        var bytes = File.ReadAllBytes(_store.PathOf(ResultsLayout.Curves(prefix)));
        await _store.PutBytesAsync(ResultsLayout.Curves(prefix), bytes.AsMemory(0, bytes.Length - 5));
        var broken = await Assert.ThrowsAsync<InvalidDataException>(() => ResultsReader.ReadCurvesAsync(_store, prefix));
        Assert.Contains("curves.parquet", broken.Message);
        Assert.Contains("not a readable Parquet file", broken.Message);
    }

    [Fact]
    public async Task Extra_footer_keys_round_trip_and_cannot_replace_the_writers_own()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var extra = new Dictionary<string, string> { ["lab.host"] = "node-7", ["lab.commit"] = "abc123" };
        await ResultsWriter.WriteMetricsAsync(_store, prefix, Run, ResultsSamples.Metrics(3), new ResultsMetadata(Extra: extra));
        var back = await ResultsReader.ReadMetricsAsync(_store, prefix);
        Assert.Equal(extra, back!.Metadata.Extra);

        var clash = new ResultsMetadata(Extra: new Dictionary<string, string> { [ResultsLayout.TableKey] = "summary" });
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ResultsWriter.WriteCurvesAsync(_store, prefix, Run, ResultsSamples.Curves(2), clash));
        Assert.Contains("'amber.table'", e.Message);
        Assert.Null(await _store.GetPropertiesAsync(ResultsLayout.Curves(prefix)));
    }

    [Fact]
    public async Task A_column_of_another_type_is_reported_by_name_and_type()
    {
        using var ms = new MemoryStream();
        var fields = new DataField[]
        {
            new DataField<string>("sweep"), new DataField<string>("trial"), new DataField<int>("fold"), new DataField<int>("seed"),
            new DataField<string>("metric"), new DataField<string>("level"), new DataField<string>("split"), new DataField<string>("value"), new DataField<int>("n"),
        };
        await using (var w = await ParquetWriter.CreateAsync(new ParquetSchema(fields), ms))
        {
            w.CustomMetadata = new Dictionary<string, string> { [ResultsLayout.SchemaVersionKey] = "1", [ResultsLayout.TableKey] = "metrics" };
            using var rg = w.CreateRowGroup();
            foreach (var f in fields)
            {
                if (f.ClrType == typeof(int)) await rg.WriteAsync<int>(f, new[] { 1 }.AsMemory());
                else await rg.WriteAsync(f, new[] { f.Name == "level" ? "all" : "x" });
            }
        }
        var prefix = ResultsLayout.RunPrefix(Run);
        await _store.PutBytesAsync(ResultsLayout.Metrics(prefix), ms.ToArray());
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => ResultsReader.ReadMetricsAsync(_store, prefix));
        Assert.Contains("column 'value' is STRING", e.Message);
        Assert.Contains("expected DOUBLE", e.Message);
    }

    [Fact]
    public async Task Summary_rows_round_trip_with_their_baseline_comparisons_and_files_without_them_read_back_without()
    {
        var rows = ResultsSamples.Summary(40);
        await ResultsWriter.WriteSummaryAsync(_store, "with", rows);
        var back = (await ResultsReader.ReadSummaryAsync(_store, "with"))!.Rows;
        Assert.Equal(rows, back);
        Assert.Contains(back, r => r.VsBaseline is { PairedTP: null });
        Assert.Contains(back, r => r.VsBaseline is { WilcoxonP: { } });

        // A summary written before the comparison columns existed (schema version 1, the ten original columns).
        using (var ms = new MemoryStream())
        {
            var fields = new DataField[]
            {
                new DataField<string>("sweep"), new DataField<string>("trial"), new DataField<string>("metric"), new DataField<string>("level"),
                new DataField<string>("split"), new DataField<double?>("mean"), new DataField<double?>("std"), new DataField<double?>("pooled"),
                new DataField<int>("n_folds"), new DataField<int>("n_runs"),
            };
            await using (var w = await ParquetWriter.CreateAsync(new ParquetSchema(fields), ms))
            {
                w.CustomMetadata = new Dictionary<string, string> { [ResultsLayout.SchemaVersionKey] = "1", [ResultsLayout.TableKey] = "summary" };
                using var rg = w.CreateRowGroup();
                string[] text = ["old", "t0", "bc", "all", "test"];
                for (int i = 0; i < 5; i++) await rg.WriteAsync(fields[i], new[] { text[i] });
                for (int i = 5; i < 8; i++) await rg.WriteAsync<double>(fields[i], new double?[] { 0.7 });
                for (int i = 8; i < 10; i++) await rg.WriteAsync<int>(fields[i], new[] { 5 });
            }
            await _store.PutBytesAsync(ResultsLayout.Summary("old"), ms.ToArray());
        }
        var old = Assert.Single((await ResultsReader.ReadSummaryAsync(_store, "old"))!.Rows);
        Assert.Equal(new SummaryRow("t0", "bc", "all", "test", 0.7, 0.7, 0.7, 5, 5), old);
    }
}
