using Amber.Storage.Blobs;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;
using Amber.Storage.Tests.Support;

namespace Amber.Storage.Tests.Results;

public sealed class ResultsRoundTripTests : IDisposable
{
    private static readonly RunIdentity Run = new("sweep-a", "trial-3", 2, 17);
    private readonly TempDir _dir = new();
    private readonly FileSystemBlobStore _store;

    public ResultsRoundTripTests() => _store = new FileSystemBlobStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static List<PredictionRow> Predictions(int n) => ResultsSamples.Predictions(n);

    [Fact]
    public async Task Every_table_reads_back_as_written()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        Assert.Equal("results/sweep-a/trial-3/2-17", prefix);
        var metrics = new List<MetricRow> { new("bc", "all", "test", 0.83, 1241), new("r2", "high", "test", null, 414), new("js", "low", "validation", 0.12, 300) };
        var predictions = Predictions(250);
        var t0 = new DateTimeOffset(2026, 11, 24, 17, 0, 0, TimeSpan.Zero);
        var curves = Enumerable.Range(0, 5).Select(e => new CurveRow(e, 1.0 / (e + 1), e == 0 ? null : 0.9 / e, 0.3, 0.7, 0.6, 1e-3 * (5 - e), 2.5 * e, e == 3, t0.AddSeconds(e * 2.5))).ToList();
        var summary = new List<SummaryRow> { new("trial-3", "bc", "all", "test", 0.8, 0.02, 0.81, 5, 15), new("trial-3", "bc", "high", "test", 0.7, null, null, 1, 1) };
        var meta = new ResultsMetadata("{\"loss\":\"amber2\",\"beta\":0.5}");

        await ResultsWriter.WriteMetricsAsync(_store, prefix, Run, metrics, meta);
        await ResultsWriter.WritePredictionsAsync(_store, prefix, Run, predictions, meta);
        await ResultsWriter.WriteCurvesAsync(_store, prefix, Run, curves, meta);
        await ResultsWriter.WriteSummaryAsync(_store, "sweep-a", summary, meta);

        var m = await ResultsReader.ReadMetricsAsync(_store, prefix);
        Assert.Equal(metrics, m!.Rows);
        Assert.Equal(Run, m.Run);
        Assert.Equal(1, m.SchemaVersion);
        Assert.Equal(meta.ConfigJson, m.Metadata.ConfigJson);

        var p = await ResultsReader.ReadPredictionsAsync(_store, prefix);
        Assert.Equal(predictions.Count, p!.Rows.Count);
        for (int i = 0; i < predictions.Count; i++)
        {
            var (a, b) = (predictions[i], p.Rows[i]);
            Assert.Equal(a with { Reference = [], Predicted = [], ExpertSpeech = null, ExpertText = null }, b with { Reference = [], Predicted = [], ExpertSpeech = null, ExpertText = null });
            Assert.Equal(a.Reference, b.Reference);
            Assert.Equal(a.Predicted, b.Predicted);
            Assert.Equal(a.ExpertSpeech, b.ExpertSpeech);
            Assert.Equal(a.ExpertText, b.ExpertText);
        }

        Assert.Equal(curves, (await ResultsReader.ReadCurvesAsync(_store, prefix))!.Rows);
        var s = await ResultsReader.ReadSummaryAsync(_store, "sweep-a");
        Assert.Equal(summary, s!.Rows);
        Assert.Null(s.Run);
        Assert.Equal([prefix], await ResultsReader.ListRunsAsync(_store, "sweep-a"));
        Assert.Null(await ResultsReader.ReadMetricsAsync(_store, "results/sweep-a/none/0-0"));
    }

    [Fact]
    public async Task DuckDB_sees_the_predictions_table_with_flat_probability_columns()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var rows = Predictions(40);
        await ResultsWriter.WritePredictionsAsync(_store, prefix, Run, rows, new ResultsMetadata("{}"));
        var duck = TestEnvironment.RunNodeJson("duckdb-read.mjs", _store.PathOf(ResultsLayout.Predictions(prefix)));
        var columns = duck.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString(), c.GetProperty("type").GetString())).ToList();
        Assert.Contains(("pred_sad", "FLOAT"), columns);
        Assert.Contains(("expert_text_neutral", "FLOAT"), columns);
        Assert.Contains(("fold", "INTEGER"), columns);
        Assert.Contains(("utterance_id", "VARCHAR"), columns);
        int predSad = columns.FindIndex(c => c.Item1 == "pred_sad");
        int expertText = columns.FindIndex(c => c.Item1 == "expert_text_neutral");
        int refLabel = columns.FindIndex(c => c.Item1 == "reference_label");
        var duckRows = duck.GetProperty("rows").EnumerateArray().ToArray();
        for (int i = 0; i < rows.Count; i++)
        {
            var r = duckRows[i].EnumerateArray().ToArray();
            Assert.Equal((double)rows[i].Predicted[3], r[predSad].GetDouble());
            if (rows[i].ExpertText is null) Assert.Equal(System.Text.Json.JsonValueKind.Null, r[expertText].ValueKind);
            else Assert.Equal((double)rows[i].ExpertText![0], r[expertText].GetDouble());
            Assert.Equal(rows[i].ReferenceLabel, r[refLabel].ValueKind == System.Text.Json.JsonValueKind.Null ? null : r[refLabel].GetString());
        }
        Assert.Equal("1", duck.GetProperty("kv").GetProperty(ResultsLayout.SchemaVersionKey).GetString());
        Assert.Equal("neutral,happy,angry,sad", duck.GetProperty("kv").GetProperty(ResultsLayout.ClassesKey).GetString());
    }

    [Fact]
    public async Task An_empty_metrics_table_is_still_a_valid_file()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        await ResultsWriter.WriteMetricsAsync(_store, prefix, Run, []);
        Assert.Empty((await ResultsReader.ReadMetricsAsync(_store, prefix))!.Rows);
        var duck = TestEnvironment.RunNodeJson("duckdb-read.mjs", _store.PathOf(ResultsLayout.Metrics(prefix)));
        Assert.Empty(duck.GetProperty("rows").EnumerateArray());
        Assert.Equal(9, duck.GetProperty("columns").GetArrayLength());
    }

    [Fact]
    public async Task A_committed_attempt_is_not_overwritten()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var once = new ResultsWriteOptions(BlobCondition.IfNotExists);
        await ResultsWriter.WriteMetricsAsync(_store, prefix, Run, [new MetricRow("bc", "all", "test", 0.5, 10)], options: once);
        await Assert.ThrowsAsync<BlobConditionFailedException>(() => ResultsWriter.WriteMetricsAsync(_store, prefix, Run, [new MetricRow("bc", "all", "test", 0.9, 10)], options: once));
        Assert.Equal(0.5, (await ResultsReader.ReadMetricsAsync(_store, prefix))!.Rows[0].Value);
    }

    [Fact]
    public async Task Bad_rows_name_the_row_field_value_and_expectation()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var rows = Predictions(3);
        rows[1] = rows[1] with { Predicted = [0.5f, 0.5f] };
        var e = await Assert.ThrowsAsync<ArgumentException>(() => ResultsWriter.WritePredictionsAsync(_store, prefix, Run, rows));
        Assert.Contains("predictions.parquet", e.Message);
        Assert.Contains("row 1", e.Message);
        Assert.Contains("pred_*", e.Message);
        Assert.Contains("2 values", e.Message);
        Assert.Null(await _store.GetPropertiesAsync(ResultsLayout.Predictions(prefix)));

        var m = await Assert.ThrowsAsync<ArgumentException>(() => ResultsWriter.WriteMetricsAsync(_store, prefix, Run, [new MetricRow("bc", "extreme", "test", 1, 1)]));
        Assert.Contains("'extreme' is not all, low, medium or high", m.Message);
        Assert.Throws<ArgumentException>(() => ResultsLayout.RunPrefix("a/b", "t", 0, 0));
    }
}
