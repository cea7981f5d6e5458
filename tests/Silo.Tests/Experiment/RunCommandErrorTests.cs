namespace Amber.Silo.Tests.Experiment;

/// <summary><c>amber run</c> refuses bad input with one clear message and a non-zero exit code, never a stack trace.</summary>
public sealed class RunCommandErrorTests : IDisposable
{
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    private static void AssertNoStackTrace(ExperimentTools.CliResult r)
    {
        Assert.DoesNotContain("   at ", r.Stdout + r.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_sweep_file_names_the_file_the_line_the_field_and_what_was_expected()
    {
        var file = Path.Combine(dir.Path, "bad.yaml");
        await File.WriteAllTextAsync(file, "name: bad\nmethods: [ce, amber2]\nspace:\n  lr: {type: log_uniform, low: 0.1, high: 0.01}\n  batch_size: 0.5\n");
        var r = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "run", "--sweep", file, "--out", "out");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(file, r.Stderr, StringComparison.Ordinal);
        Assert.Contains("space.lr (line 4)", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("space.batch_size (line 5)", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("expected an integer", r.Stderr, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "out")), "nothing is created before the sweep is valid");
        AssertNoStackTrace(r);
    }

    [Fact]
    public async Task A_missing_sweep_file_or_corpus_folder_is_named_with_its_full_path()
    {
        var missing = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "run", "--sweep", "nope.yaml");
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains(Path.Combine(dir.Path, "nope.yaml"), missing.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(missing);

        var corpus = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "run", "--quick", "--corpus", "iemocap:no/such/IEMOCAP", "--out", "out");
        Assert.Equal(2, corpus.ExitCode);
        Assert.Contains(Path.Combine(dir.Path, "no/such/IEMOCAP"), corpus.Stderr, StringComparison.Ordinal);
        Assert.Contains("does not exist", corpus.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(corpus);

        var kind = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "run", "--quick", "--corpus", "timit:/x", "--out", "out");
        Assert.Equal(2, kind.ExitCode);
        Assert.Contains("'timit:/x' is not a corpus; expected synthetic, synthetic:<dir>, iemocap:<path> or msp:<path>", kind.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(kind);
    }

    [Fact]
    public async Task A_failed_run_is_listed_with_its_reason_the_others_are_still_summarized_and_the_exit_code_is_1()
    {
        var file = Path.Combine(dir.Path, "partly.yaml");
        await File.WriteAllTextAsync(file, "name: partly\nmethods: [ce]\nprotocol: {folds: [5, 6], seeds: [1]}\nspace: {max_epochs: 2, hidden: 16}\nretries: 0\n");
        var r = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(2), "run", "--sweep", file, "--out", "out");
        Assert.Equal(1, r.ExitCode);
        Assert.Matches(@"run sw-\S+-t000-f6-s1 failed: .*fold 6 does not exist; the corpus has 5 sessions, so folds 1\.\.5 are valid", r.Stderr);
        // Fold 5 alone: one value per cell, no spread.
        Assert.Matches(@"│ ce\s+│ high\s+│\s+1 │\s+0\.\d{3} │", r.Stdout);
        // The silo's failure reason names the exception type; what must never appear is a stack trace.
        Assert.DoesNotContain("   at ", r.Stdout + r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_malformed_iemocap_corpus_names_file_line_and_field_and_exits_2_with_nothing_stored()
    {
        using var dir = new ExperimentTempDir();
        string root = Path.Combine(dir.Path, "IEMOCAP");
        string evaluation = Path.Combine(root, "Session1", "dialog", "EmoEvaluation", "Ses01F_impro01.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(evaluation)!);
        Directory.CreateDirectory(Path.Combine(root, "Session1", "dialog", "transcriptions"));
        await File.WriteAllTextAsync(evaluation,
            "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n" +
            "[8.0 - x]\tSes01F_impro01_F001\tneu\t[2.5000, 2.5000, 2.5000]\nC-E2:\tNeutral;\t()\n");
        await File.WriteAllTextAsync(Path.Combine(root, "Session1", "dialog", "transcriptions", "Ses01F_impro01.txt"), "Ses01F_impro01_F001 [008.0-009.0]: Hi.\n");

        var r = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(2), "run", "--quick", "--corpus", "iemocap:IEMOCAP", "--out", "out");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains($"{evaluation}:3:", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("field", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("expected", r.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(dir.Path, "out", "state.db")), "no sweep is stored for a corpus that does not load");
        AssertNoStackTrace(r);
    }

    [Theory]
    [InlineData("--workers", "abc")]
    [InlineData("--bogus", "1")]
    public async Task Usage_errors_exit_2_with_one_line_each(string option, string value)
    {
        using var dir = new ExperimentTempDir();
        var r = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "run", option, value);
        Assert.Equal(2, r.ExitCode);
        Assert.StartsWith("error: ", r.Stderr, StringComparison.Ordinal);
        Assert.Contains(option, r.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(r);
    }

    [Fact]
    public async Task A_yaml_syntax_error_names_the_file_the_line_and_the_column()
    {
        using var dir = new ExperimentTempDir();
        string file = Path.Combine(dir.Path, "bad.yaml");
        await File.WriteAllTextAsync(file, "name: x\nmethods: [ce, amber2\n");
        var r = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "run", "--sweep", file, "--out", "out");
        Assert.Equal(2, r.ExitCode);
        Assert.Contains(file, r.Stderr, StringComparison.Ordinal);
        Assert.Matches(@"line \d+, column \d+", r.Stderr);
        AssertNoStackTrace(r);
    }
}
