using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;

namespace Amber.Silo.Tests.Experiment;

/// <summary>Runs the built <c>amber run --quick</c> once in a fresh folder; the tests below inspect what it left.</summary>
public sealed class QuickRunFixture : IAsyncLifetime
{
    private readonly ExperimentTempDir dir = new();

    /// <summary>The invocation's exit code and output.</summary>
    public ExperimentTools.CliResult Result { get; private set; } = new(-1, "", "");

    /// <summary>The blob store under --out.</summary>
    public FileSystemBlobStore Blobs { get; private set; } = null!;

    /// <summary>The sweep id printed in the results line.</summary>
    public string SweepId { get; private set; } = "";

    /// <summary>The results folder printed by the command.</summary>
    public string ResultsFolder { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Result = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(3), "run", "--quick", "--out", "out");
        Blobs = new FileSystemBlobStore(Path.Combine(dir.Path, "out", "blobs"));
        var m = Regex.Match(Result.Stdout, @"^results: (?<folder>\S+?)/? \(", RegexOptions.Multiline);
        if (m.Success)
        {
            ResultsFolder = m.Groups["folder"].Value.TrimEnd('/');
            SweepId = Path.GetFileName(ResultsFolder);
        }
    }

    public Task DisposeAsync()
    {
        dir.Dispose();
        return Task.CompletedTask;
    }
}

/// <summary>End to end: <c>amber run --quick</c> on a fresh folder, its table, and its Parquet files read back twice (our reader and DuckDB).</summary>
public sealed partial class QuickRunTests(QuickRunFixture run) : IClassFixture<QuickRunFixture>
{
    private static readonly string[] Methods = ["ce", "amber2"];
    private static readonly string[] Levels = ["all", "low", "medium", "high"];

    [GeneratedRegex(@"^│ (?<method>\S+)\s+│ (?<level>all|low|medium|high)\s+│\s+(?<n>\d+) │(?<cells>.*)│\s*$", RegexOptions.Multiline)]
    private static partial Regex TableRow();

    [Fact]
    public void The_command_succeeds_and_says_where_the_files_are()
    {
        Assert.True(run.Result.ExitCode == 0, $"exit {run.Result.ExitCode}\n{run.Result.Stdout}\n{run.Result.Stderr}");
        Assert.StartsWith("sw-", run.SweepId, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(run.ResultsFolder, "summary.parquet")), run.Result.Stdout);
        Assert.Contains("wall time", run.Result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_table_has_every_method_and_level_with_the_metric_columns_and_matches_summary_parquet()
    {
        var header = run.Result.Stdout.Split('\n').First(l => l.Contains("│ method", StringComparison.Ordinal));
        Assert.Equal(["method", "level", "n", "bc", "js", "r2", "accuracy", "f1_macro", "Δbc vs ce"],
            header.Split('│', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));

        var rows = TableRow().Matches(run.Result.Stdout).ToList();
        Assert.Equal(Methods.Length * Levels.Length, rows.Count);
        var summary = ReadSummary();
        var trialOf = summary.Rows.Select(r => r.Trial).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, trialOf.Length);
        foreach (var method in Methods)
        {
            foreach (var level in Levels)
            {
                var row = Assert.Single(rows, r => r.Groups["method"].Value == method && r.Groups["level"].Value == level);
                Assert.Equal("5", row.Groups["n"].Value);   // five sessions, one seed
                var cells = row.Groups["cells"].Value.Split('│', StringSplitOptions.TrimEntries);
                // Trials are numbered in the order of 'methods: [ce, amber2]'.
                string trial = trialOf[Array.IndexOf(Methods, method)];
                for (int k = 0; k < 5; k++)
                {
                    var s = summary.Rows.Single(r => r.Trial == trial && r.Metric == new[] { "bc", "js", "r2", "accuracy", "f1_macro" }[k] && r.Level == level && r.Split == "test");
                    Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{s.Mean:0.000} ± {s.Std:0.000}"), cells[k]);
                }
                // amber2 − ce in BC, paired over the five folds, with its paired-t p and a star when p < 0.05; none for ce itself.
                var bc = summary.Rows.Single(r => r.Trial == trial && r is { Metric: "bc", Split: "test" } && r.Level == level);
                if (method == "ce") Assert.Equal("–", cells[5]);
                else
                {
                    Assert.Equal((trialOf[0], 5), (bc.VsBaseline!.Baseline, bc.VsBaseline.Pairs));
                    var p = bc.VsBaseline.PairedTP!.Value;
                    Assert.Equal(string.Create(CultureInfo.InvariantCulture, $"{bc.VsBaseline.MeanDifference:+0.000;-0.000} p={p:0.000}{(p < 0.05 ? " *" : "")}"), cells[5]);
                }
            }
        }
    }

    [Fact]
    public async Task Every_run_wrote_metrics_predictions_and_curves_that_our_reader_reads_back()
    {
        var runs = await ResultsReader.ListRunsAsync(run.Blobs, run.SweepId);
        Assert.Equal(10, runs.Count);
        var testedPerTrial = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var prefix in runs)
        {
            var metrics = (await ResultsReader.ReadMetricsAsync(run.Blobs, prefix))!;
            Assert.Equal(10 * 4 * 2, metrics.Rows.Count);   // 10 metrics × 4 levels × {test, validation}
            foreach (var level in Levels) Assert.Contains(metrics.Rows, m => m is { Metric: "bc", Split: "test" } && m.Level == level && m.Value is > 0 and <= 1);
            var counts = Levels.Skip(1).Select(l => metrics.Rows.Single(m => m is { Metric: "bc", Split: "test" } && m.Level == l).Count).ToArray();
            var total = metrics.Rows.Single(m => m is { Metric: "bc", Split: "test", Level: "all" }).Count;
            Assert.Equal(total, counts.Sum());
            Assert.True(counts.Max() - counts.Min() <= 1, $"tertiles {string.Join(",", counts)}");

            var predictions = (await ResultsReader.ReadPredictionsAsync(run.Blobs, prefix))!;
            Assert.Equal(total, predictions.Rows.Count);
            Assert.Equal(["neutral", "happy", "angry", "sad"], predictions.Metadata.EffectiveClasses);
            var session = Assert.Single(predictions.Rows.Select(p => p.Session).Distinct());
            Assert.Equal(predictions.Run!.Fold.ToString(CultureInfo.InvariantCulture), session);   // fold k tests session k
            Assert.All(predictions.Rows, p => Assert.Equal(1.0, p.Predicted.Sum(), 4));
            if (!testedPerTrial.TryGetValue(predictions.Run.Trial, out var ids)) testedPerTrial[predictions.Run.Trial] = ids = [];
            ids.AddRange(predictions.Rows.Select(p => p.UtteranceId));

            var curves = (await ResultsReader.ReadCurvesAsync(run.Blobs, prefix))!;
            Assert.InRange(curves.Rows.Count, 1, 8);                  // quick: at most 8 epochs
            Assert.Single(curves.Rows, c => c.IsBest);
            Assert.Equal(Enumerable.Range(1, curves.Rows.Count), curves.Rows.Select(c => c.Epoch));
        }
        // Leave-one-session-out: every utterance is tested exactly once per trial and seed.
        Assert.Equal(2, testedPerTrial.Count);
        Assert.All(testedPerTrial.Values, ids => Assert.Equal(ids.Count, ids.Distinct().Count()));
        Assert.Equal(testedPerTrial.Values.First().Order(StringComparer.Ordinal), testedPerTrial.Values.Last().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void DuckDb_agrees_with_the_summary_and_with_the_per_run_metrics()
    {
        var duck = ExperimentTools.DuckDbResults(run.ResultsFolder);
        // Rows whose every value is undefined have no counterpart in the reference (it drops nulls first).
        var summary = duck.GetProperty("summary").EnumerateArray().Where(s => s.GetProperty("mean").ValueKind != JsonValueKind.Null).ToList();
        var reference = duck.GetProperty("reference").EnumerateArray()
            .ToDictionary(r => Key(r), r => r);
        Assert.Equal(reference.Count, summary.Count);
        foreach (var s in summary)
        {
            var r = reference[Key(s)];
            Assert.Equal(r.GetProperty("mean").GetDouble(), s.GetProperty("mean").GetDouble(), 9);
            Assert.Equal(r.GetProperty("std").GetDouble(), s.GetProperty("std").GetDouble(), 9);
            Assert.Equal(r.GetProperty("n_folds").GetInt32(), s.GetProperty("n_folds").GetInt32());
        }
        // BC recomputed by DuckDB from each run's predictions equals the metric the run reported.
        var runBc = duck.GetProperty("runBc").EnumerateArray().ToList();
        Assert.Equal(10, runBc.Count);
        Assert.All(runBc, r => Assert.Equal(r.GetProperty("bc").GetDouble(), r.GetProperty("reported").GetDouble(), 5));
        // The pooled BC equals DuckDB's mean over all of a trial's predictions.
        foreach (var p in duck.GetProperty("pooledBc").EnumerateArray())
        {
            var trial = p.GetProperty("trial").GetString();
            var pooled = summary.Single(s => s.GetProperty("trial").GetString() == trial && Key(s).EndsWith("|bc|all|test", StringComparison.Ordinal));
            Assert.Equal(p.GetProperty("bc").GetDouble(), pooled.GetProperty("pooled").GetDouble(), 5);
        }
        // The amber2 trial is compared with the ce trial run by run: DuckDB's join of their metrics gives the same pairs and mean difference.
        var paired = duck.GetProperty("paired").EnumerateArray().ToDictionary(Key, p => p);
        var compared = summary.Where(s => s.GetProperty("baseline").ValueKind != JsonValueKind.Null).ToList();
        Assert.NotEmpty(compared);
        foreach (var s in compared)
        {
            var p = paired[Key(s)];
            Assert.Equal(p.GetProperty("n").GetInt32(), s.GetProperty("n_pairs").GetInt32());
            Assert.Equal(p.GetProperty("diff").GetDouble(), s.GetProperty("diff_mean").GetDouble(), 9);
        }
    }

    private static string Key(JsonElement e) =>
        $"{e.GetProperty("trial").GetString()}|{e.GetProperty("metric").GetString()}|{e.GetProperty("level").GetString()}|{e.GetProperty("split").GetString()}";

    private ResultsFile<SummaryRow> ReadSummary() =>
        ResultsReader.ReadSummaryAsync(run.Blobs, run.SweepId).GetAwaiter().GetResult() ?? throw new InvalidOperationException("no summary.parquet");
}
