using System.Diagnostics;
using System.Text.RegularExpressions;
using Amber.Cli.Commands;
using Amber.Storage.Blobs.FileSystem;
using Amber.Storage.Results;

namespace Amber.Silo.Tests.Experiment;

/// <summary>
/// <c>amber run</c> killed with SIGKILL in the middle of its sweep, then started again with the same --out: the second
/// process resumes the same sweep (grain state in SQLite under --out) instead of starting over, keeps what was finished,
/// and ends with exactly the summary of an uninterrupted run (same seeds, same numbers).
/// </summary>
public sealed partial class ResumeTests(QuickRunFixture uninterrupted) : IClassFixture<QuickRunFixture>
{
    [GeneratedRegex(@"^sweep (?<id>sw-\S+) .*resumed with (?<finished>\d+) finished", RegexOptions.Multiline)]
    private static partial Regex Resumed();

    [Fact]
    public async Task A_killed_amber_run_resumes_its_sweep_and_ends_with_the_uninterrupted_summary()
    {
        using var dir = new ExperimentTempDir();
        string results = Path.Combine(dir.Path, "out", "blobs", "results");

        var dotnet = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
        var psi = new ProcessStartInfo(dotnet) { WorkingDirectory = dir.Path, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { typeof(RunCommand).Assembly.Location, "run", "--quick", "--out", "out" }) psi.ArgumentList.Add(a);
        using (var first = Process.Start(psi)!)
        {
            _ = first.StandardOutput.ReadToEndAsync();
            _ = first.StandardError.ReadToEndAsync();
            // Kill it once at least two runs have written their metrics (and before the sweep is over).
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (DateTime.UtcNow < deadline && !first.HasExited && MetricsFiles(results) < 2) await Task.Delay(50);
            Assert.False(first.HasExited, "amber run finished before it could be interrupted");
            first.Kill(entireProcessTree: true);
            await first.WaitForExitAsync();
        }
        int before = MetricsFiles(results);
        Assert.InRange(before, 2, 9);
        // Published files exist only for committed runs: remember which, to check that none of them runs again.
        var committedBefore = Directory.EnumerateFiles(results, "metrics.parquet", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(results, Path.GetDirectoryName(f)!)).ToList();

        var second = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(3), "run", "--quick", "--out", "out");
        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\n{second.Stdout}\n{second.Stderr}");
        var resumed = Resumed().Match(second.Stdout);
        Assert.True(resumed.Success, second.Stdout);
        Assert.True(int.Parse(resumed.Groups["finished"].Value) >= before, second.Stdout);
        Assert.Single(Directory.GetDirectories(results));            // one sweep, not a second one
        // A run committed before the kill never got a second attempt: its run folder has only the attempt a1.
        string sweepId = resumed.Groups["id"].Value;
        string runs = Path.Combine(dir.Path, "out", "blobs", "sweeps", sweepId, "runs");
        foreach (var folder in committedBefore)                          // "<sweep>/<trial>/<fold>-<seed>"
        {
            var parts = folder.Split(Path.DirectorySeparatorChar);
            var foldSeed = parts[^1].Split('-');
            string runId = $"{parts[^2]}-f{foldSeed[0]}-s{foldSeed[1]}";
            Assert.Equal(["a1"], Directory.GetDirectories(Path.Combine(runs, runId)).Select(d => Path.GetFileName(d)).Where(n => n.StartsWith('a')).ToArray());
        }

        var mine = await ResultsReader.ReadSummaryAsync(new FileSystemBlobStore(Path.Combine(dir.Path, "out", "blobs")), resumed.Groups["id"].Value);
        var reference = await ResultsReader.ReadSummaryAsync(uninterrupted.Blobs, uninterrupted.SweepId);
        Assert.NotNull(mine);
        Assert.NotNull(reference);
        // Trial ids carry the sweep id; everything else must be identical.
        static string Key(SummaryRow r) => $"{r.Trial[(r.Trial.LastIndexOf("-t", StringComparison.Ordinal) + 1)..]}/{r.Metric}/{r.Level}/{r.Split}";
        var expected = reference.Rows.ToDictionary(Key);
        Assert.Equal(expected.Count, mine.Rows.Count);
        foreach (var row in mine.Rows)
        {
            var want = expected[Key(row)];
            Assert.Equal((want.Mean, want.Std, want.Pooled, want.Folds, want.Runs), (row.Mean, row.Std, row.Pooled, row.Folds, row.Runs));
        }
    }

    private static int MetricsFiles(string results) =>
        Directory.Exists(results) ? Directory.EnumerateFiles(results, "metrics.parquet", SearchOption.AllDirectories).Count() : 0;
}
