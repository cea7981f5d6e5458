using System.Globalization;
using System.Text.Json;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;
using Amber.Storage.Tests.Support;

namespace Amber.Storage.Tests.Results;

/// <summary>
/// Every kind of results file we write, read by two independent readers (DuckDB's C++ one and hyparquet's JavaScript
/// one): column names and types, every value and null, and the footer keys. Small row groups make each file several row
/// groups, as a long run's predictions are.
/// </summary>
public sealed class IndependentReadersTests : IDisposable
{
    private static readonly RunIdentity Run = ResultsSamples.Run;
    private static readonly ResultsWriteOptions SmallRowGroups = new(Parquet: new ResultsParquetOptions { RowGroupRows = 64 });
    private readonly TempDir _dir = new();
    private readonly FileSystemBlobStore _store;

    public IndependentReadersTests() => _store = new FileSystemBlobStore(_dir.Path);

    public void Dispose() => _dir.Dispose();

    private static readonly string[] RunColumns = ["sweep", "trial", "fold", "seed"];

    private static object?[] RunValues() => [Run.Sweep, Run.Trial, Run.Fold, Run.Seed];

    public static TheoryData<string> Tables => new() { "metrics", "predictions", "curves", "summary" };

    [Theory]
    [MemberData(nameof(Tables))]
    public async Task DuckDB_and_hyparquet_read_every_value_type_null_and_footer_key(string table)
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var meta = new ResultsMetadata("{\"loss\":\"amber2\",\"beta\":0.5}");
        (string Name, string DuckType)[] columns;
        List<object?[]> expected;
        string blob;
        switch (table)
        {
            case "metrics":
            {
                var rows = ResultsSamples.Metrics(150);
                await ResultsWriter.WriteMetricsAsync(_store, prefix, Run, rows, meta, SmallRowGroups);
                blob = ResultsLayout.Metrics(prefix);
                columns = [.. Run4(), ("metric", "VARCHAR"), ("level", "VARCHAR"), ("split", "VARCHAR"), ("value", "DOUBLE"), ("n", "INTEGER")];
                expected = rows.Select(r => (object?[])[.. RunValues(), r.Metric, r.Level, r.Split, r.Value, r.Count]).ToList();
                break;
            }
            case "predictions":
            {
                var rows = ResultsSamples.Predictions(200);
                await ResultsWriter.WritePredictionsAsync(_store, prefix, Run, rows, meta, SmallRowGroups);
                blob = ResultsLayout.Predictions(prefix);
                var classes = ResultsMetadata.DefaultClasses;
                columns = [.. Run4(), ("utterance_id", "VARCHAR"), ("session", "VARCHAR"), ("speaker", "VARCHAR"), ("gender", "VARCHAR"),
                    .. ResultsTables.DistributionPrefixes.SelectMany(p => classes.Select(k => (p + k, "FLOAT"))),
                    ("reference_label", "VARCHAR"), ("predicted_label", "VARCHAR"), ("ambiguity_level", "VARCHAR"), ("normalized_entropy", "FLOAT"), ("label_source", "VARCHAR")];
                expected = rows.Select(r => (object?[])[.. RunValues(), r.UtteranceId, r.Session, r.Speaker, r.Gender,
                    .. new[] { r.Reference, r.Predicted, r.ExpertSpeech, r.ExpertText }.SelectMany(d => classes.Select((_, k) => d is null ? null : (object)d[k])),
                    r.ReferenceLabel, r.PredictedLabel, r.AmbiguityLevel, r.NormalizedEntropy, r.LabelSource]).ToList();
                break;
            }
            case "curves":
            {
                var rows = ResultsSamples.Curves(130);
                await ResultsWriter.WriteCurvesAsync(_store, prefix, Run, rows, meta, SmallRowGroups);
                blob = ResultsLayout.Curves(prefix);
                columns = [.. Run4(), ("epoch", "INTEGER"), ("train_loss", "DOUBLE"), ("val_loss", "DOUBLE"), ("val_js", "DOUBLE"), ("val_bc", "DOUBLE"), ("val_accuracy", "DOUBLE"),
                    ("learning_rate", "DOUBLE"), ("elapsed_seconds", "DOUBLE"), ("is_best", "BOOLEAN"), ("timestamp", "TIMESTAMP WITH TIME ZONE")];
                expected = rows.Select(r => (object?[])[.. RunValues(), r.Epoch, r.TrainLoss, r.ValidationLoss, r.ValidationJs, r.ValidationBc, r.ValidationAccuracy,
                    r.LearningRate, r.ElapsedSeconds, r.IsBest, r.Timestamp]).ToList();
                break;
            }
            default:
            {
                var rows = ResultsSamples.Summary(140);
                await ResultsWriter.WriteSummaryAsync(_store, Run.Sweep, rows, meta, SmallRowGroups);
                blob = ResultsLayout.Summary(Run.Sweep);
                columns = [("sweep", "VARCHAR"), ("trial", "VARCHAR"), ("metric", "VARCHAR"), ("level", "VARCHAR"), ("split", "VARCHAR"),
                    ("mean", "DOUBLE"), ("std", "DOUBLE"), ("pooled", "DOUBLE"), ("n_folds", "INTEGER"), ("n_runs", "INTEGER"),
                    ("baseline", "VARCHAR"), ("n_pairs", "INTEGER"), ("diff_mean", "DOUBLE"), ("diff_ci_low", "DOUBLE"), ("diff_ci_high", "DOUBLE"),
                    ("p_paired_t", "DOUBLE"), ("p_wilcoxon", "DOUBLE")];
                expected = rows.Select(r => (object?[])[Run.Sweep, r.Trial, r.Metric, r.Level, r.Split, r.Mean, r.Std, r.Pooled, r.Folds, r.Runs,
                    r.VsBaseline?.Baseline, r.VsBaseline?.Pairs, r.VsBaseline?.MeanDifference, r.VsBaseline?.CiLow, r.VsBaseline?.CiHigh,
                    r.VsBaseline?.PairedTP, r.VsBaseline?.WilcoxonP]).ToList();
                break;
            }
        }

        var path = _store.PathOf(blob);
        var duck = TestEnvironment.RunNodeJson("duckdb-read.mjs", path);
        var duckColumns = duck.GetProperty("columns").EnumerateArray().Select(c => (c.GetProperty("name").GetString()!, c.GetProperty("type").GetString()!)).ToArray();
        Assert.Equal(columns, duckColumns);
        AssertRows(columns.Select(c => c.Name).ToArray(), expected, duck.GetProperty("rows"), "DuckDB");
        AssertFooter(duck.GetProperty("kv"), table, meta);
        // Several row groups, each compressed with SNAPPY (the default).
        var stats = duck.GetProperty("stats").EnumerateArray().ToArray();
        Assert.Equal((expected.Count + 63) / 64 * columns.Length, stats.Length);
        Assert.All(stats, s => Assert.Equal("SNAPPY", s.GetProperty("compression").GetString()));

        var hy = TestEnvironment.RunNodeJson("hyparquet-read.mjs", path);
        Assert.Equal(columns.Select(c => c.Name), hy.GetProperty("columns").EnumerateArray().Select(c => c.GetString()));
        AssertRows(columns.Select(c => c.Name).ToArray(), expected, hy.GetProperty("rows"), "hyparquet");
        AssertFooter(hy.GetProperty("kv"), table, meta);
    }

    [Fact]
    public async Task Low_cardinality_strings_are_dictionary_encoded_and_statistics_are_kept()
    {
        var prefix = ResultsLayout.RunPrefix(Run);
        var rows = ResultsSamples.Predictions(500);
        await ResultsWriter.WritePredictionsAsync(_store, prefix, Run, rows);
        var duck = TestEnvironment.RunNodeJson("duckdb-read.mjs", _store.PathOf(ResultsLayout.Predictions(prefix)));
        var stats = duck.GetProperty("stats").EnumerateArray().ToDictionary(s => s.GetProperty("path_in_schema").GetString()!);
        Assert.Contains("DICTIONARY", stats["ambiguity_level"].GetProperty("encodings").GetString());
        Assert.Contains("DICTIONARY", stats["session"].GetProperty("encodings").GetString());
        Assert.Equal(rows.Count(r => r.ExpertText is null).ToString(CultureInfo.InvariantCulture), stats["expert_text_sad"].GetProperty("stats_null_count").ToString());
        Assert.Equal(rows.Max(r => r.Predicted[0]), double.Parse(stats["pred_neutral"].GetProperty("stats_max_value").GetString()!, CultureInfo.InvariantCulture), 6);
    }

    private static IEnumerable<(string, string)> Run4() => RunColumns.Select(c => (c, c is "fold" or "seed" ? "INTEGER" : "VARCHAR"));

    private static void AssertFooter(JsonElement kv, string table, ResultsMetadata meta)
    {
        Assert.Equal("1", kv.GetProperty(ResultsLayout.SchemaVersionKey).GetString());
        Assert.Equal(table, kv.GetProperty(ResultsLayout.TableKey).GetString());
        Assert.Equal("neutral,happy,angry,sad", kv.GetProperty(ResultsLayout.ClassesKey).GetString());
        Assert.Equal(meta.ConfigJson, kv.GetProperty(ResultsLayout.ConfigKey).GetString());
    }

    /// <summary>Compares JSON rows from a Node reader against the source values, naming reader, row and column on a mismatch.</summary>
    private static void AssertRows(string[] names, List<object?[]> expected, JsonElement rows, string reader)
    {
        var array = rows.EnumerateArray().ToArray();
        Assert.Equal(expected.Count, array.Length);
        for (int r = 0; r < expected.Count; r++)
        {
            var row = array[r].EnumerateArray().ToArray();
            Assert.Equal(names.Length, row.Length);
            for (int c = 0; c < names.Length; c++)
            {
                var e = expected[r][c];
                var a = row[c];
                bool ok = e switch
                {
                    null => a.ValueKind == JsonValueKind.Null,
                    bool b => a.ValueKind == (b ? JsonValueKind.True : JsonValueKind.False),
                    int i => a.ValueKind == JsonValueKind.Number && a.GetInt64() == i,
                    float f => a.ValueKind == JsonValueKind.Number && a.GetDouble() == f,
                    double d => a.ValueKind == JsonValueKind.Number && a.GetDouble() == d,
                    string s => a.ValueKind == JsonValueKind.String && a.GetString() == s,
                    DateTimeOffset t => a.ToString() == ((t.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10).ToString(CultureInfo.InvariantCulture),
                    _ => false,
                };
                Assert.True(ok, $"{reader}, row {r}, column '{names[c]}': expected {e ?? "null"}, read {a}");
            }
        }
    }
}
