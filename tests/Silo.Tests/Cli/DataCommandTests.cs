using System.Text.Json;
using Amber.Silo.Tests.Experiment;

namespace Amber.Silo.Tests.Cli;

/// <summary>
/// <c>amber data synth</c> and <c>amber data inspect</c> as a user runs them: the built CLI in a temporary folder.
/// </summary>
public sealed class DataCommandTests : IDisposable
{
    private static readonly string[] Classes = ["neutral", "happy", "angry", "sad"];
    private readonly ExperimentTempDir dir = new();

    public void Dispose() => dir.Dispose();

    [Fact]
    public async Task Synth_then_inspect_json_gives_soft_labels_equal_to_the_in_class_vote_shares()
    {
        var synth = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(2), "data", "synth", "--out", "corpus", "--utterances", "80", "--seed", "3");
        Assert.True(synth.ExitCode == 0, synth.Stderr);
        var inspect = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(2), "data", "inspect", "--corpus", "iemocap:corpus", "--json", "--subset", "any-vote");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);

        using var doc = JsonDocument.Parse(inspect.Stdout);
        Assert.Equal(Classes, doc.RootElement.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        var utterances = doc.RootElement.GetProperty("utterances").EnumerateArray().ToList();
        Assert.InRange(utterances.Count, 40, 80);
        Assert.Equal(utterances.Count, doc.RootElement.GetProperty("report").GetProperty("kept").GetInt32());
        foreach (var u in utterances)
        {
            string id = u.GetProperty("id").GetString()!;
            // The speaker's gender is the letter of the id's last token (Ses01F_impro01_M003 is the male actor).
            char gender = id[id.LastIndexOf('_') + 1];
            Assert.Equal(gender.ToString(), u.GetProperty("gender").GetString()![..1]);
            Assert.Equal($"Ses0{u.GetProperty("session").GetInt32()}_{gender}", u.GetProperty("speaker").GetString());

            // Soft label recomputed here from the vote counts: y_c = n_c / Σ in-class votes (Happiness and Excited → happy).
            var votes = u.GetProperty("votes").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
            double Count(params string[] labels) => labels.Sum(l => votes.GetValueOrDefault(l));
            double[] expected = [Count("Neutral"), Count("Happiness", "Excited"), Count("Anger"), Count("Sadness")];
            double total = expected.Sum();
            Assert.True(total > 0, $"{id} kept without an in-class vote");
            var soft = u.GetProperty("soft_label").EnumerateArray().Select(v => v.GetDouble()).ToArray();
            for (int c = 0; c < 4; c++) Assert.Equal(expected[c] / total, soft[c], 5);
        }
    }

    [Fact]
    public async Task A_malformed_line_names_file_line_field_and_expectation_and_lenient_mode_counts_it()
    {
        string root = Path.Combine(dir.Path, "IEMOCAP");
        string evaluation = Path.Combine(root, "Session1", "dialog", "EmoEvaluation", "Ses01F_impro01.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(evaluation)!);
        Directory.CreateDirectory(Path.Combine(root, "Session1", "dialog", "transcriptions"));
        await File.WriteAllTextAsync(evaluation,
            "% [START_TIME - END_TIME] TURN_NAME EMOTION [V, A, D]\n\n" +
            "[6.2901 - 8.2357]\tSes01F_impro01_F000\tneu\t[2.5000, 2.5000, 2.5000]\nC-E2:\tNeutral;\t()\nC-E3:\tNeutral;\t()\n\n" +
            "[8.0 - x]\tSes01F_impro01_F001\tneu\t[2.5000, 2.5000, 2.5000]\nC-E2:\tNeutral;\t()\n");
        await File.WriteAllTextAsync(Path.Combine(root, "Session1", "dialog", "transcriptions", "Ses01F_impro01.txt"),
            "Ses01F_impro01_F000 [006.2901-008.2357]: Excuse me.\n");

        var strict = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "data", "inspect", "--corpus", "iemocap:IEMOCAP");
        Assert.Equal(2, strict.ExitCode);
        Assert.Contains($"{evaluation}:7:", strict.Stderr, StringComparison.Ordinal);
        Assert.Contains("summary line", strict.Stderr, StringComparison.Ordinal);
        Assert.Contains("expected", strict.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", strict.Stderr, StringComparison.Ordinal);

        var lenient = await ExperimentTools.AmberAsync(dir.Path, TimeSpan.FromMinutes(1), "data", "inspect", "--corpus", "iemocap:IEMOCAP", "--lenient", "--json");
        Assert.Equal(0, lenient.ExitCode);
        using var doc = JsonDocument.Parse(lenient.Stdout);
        Assert.Equal(1, doc.RootElement.GetProperty("report").GetProperty("malformed_lines").GetInt32());
    }
}
