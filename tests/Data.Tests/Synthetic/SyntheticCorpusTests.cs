using System.Globalization;
using Amber.Data.Audio;
using Amber.Data.Corpora;
using Amber.Data.Iemocap;
using Amber.Data.Synthetic;

namespace Amber.Data.Tests.Synthetic;

public class SyntheticCorpusTests
{
    private static Dictionary<string, string[]> ReadTruth(string root)
    {
        var lines = File.ReadAllLines(Path.Combine(root, SyntheticCorpusGenerator.TruthFile));
        var header = lines[0].Split(',');
        return lines.Skip(1).Select(l => l.Split(',')).ToDictionary(f => f[0], f => f)
            .Append(new KeyValuePair<string, string[]>("#header", header)).ToDictionary(kv => kv.Key, kv => kv.Value);
    }

    [Fact]
    public void Loader_soft_labels_equal_the_votes_the_generator_wrote()
    {
        using var dir = new TempDir();
        var summary = SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 120, Seed = 3 }, dir.Root);
        Assert.Equal(120, summary.Utterances);
        var (corpus, report) = IemocapLoader.Load(dir.Root, new IemocapOptions { Subset = IemocapSubset.AnyVote });
        var truth = ReadTruth(summary.Root);
        int votesAt = Array.IndexOf(truth["#header"], "votes_neutral");
        Assert.Equal(120, report.UtterancesRead);
        Assert.Equal(120, report.Kept + report.Dropped.GetValueOrDefault("no in-class vote"));
        foreach (var u in corpus.Utterances)
        {
            var votes = Enumerable.Range(0, 4).Select(c => double.Parse(truth[u.Id][votesAt + c], CultureInfo.InvariantCulture)).ToArray();
            double n = votes.Sum();
            for (int c = 0; c < 4; c++) Assert.Equal(votes[c] / n, u.SoftLabel[c], 6);
            Assert.Equal(votes, u.ClassVotes);
            Assert.Equal(truth[u.Id][2], u.Speaker);
            Assert.NotNull(u.WavPath);
            Assert.NotEmpty(u.Text);
        }
        Assert.Equal(10, corpus.Utterances.Select(u => u.Speaker).Distinct().Count());
        Assert.Equal([1, 2, 3, 4, 5], corpus.Utterances.Select(u => u.Session).Distinct().Order().ToArray());
        Assert.True(report.SkippedLines.GetValueOrDefault("transcription XX turn") > 0);
    }

    [Fact]
    public void Same_seed_gives_identical_files_and_wavs_are_16k_mono()
    {
        using var a = new TempDir();
        using var b = new TempDir();
        var o = new SyntheticOptions { Utterances = 40, Seed = 11 };
        var sa = SyntheticCorpusGenerator.Generate(o, a.Root);
        var sb = SyntheticCorpusGenerator.Generate(o, b.Root);
        var files = Directory.GetFiles(sa.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(sa.Root, f)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(files, Directory.GetFiles(sb.Root, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(sb.Root, f)).Order(StringComparer.Ordinal).ToArray());
        foreach (var f in files) Assert.Equal(File.ReadAllBytes(Path.Combine(sa.Root, f)), File.ReadAllBytes(Path.Combine(sb.Root, f)));
        var wav = files.First(f => f.EndsWith(".wav", StringComparison.Ordinal));
        var bytes = File.ReadAllBytes(Path.Combine(sa.Root, wav));
        Assert.Equal(16000, BitConverter.ToInt32(bytes, 24));
        Assert.Equal(1, BitConverter.ToInt16(bytes, 22));
        Assert.Equal(16, BitConverter.ToInt16(bytes, 34));
        var (samples, rate) = WavFile.Read(Path.Combine(sa.Root, wav));
        Assert.Equal(16000, rate);
        Assert.InRange(samples.Length / 16000.0, 0.5, 15);
    }

    [Fact]
    public void Rater_ambiguity_knob_raises_label_entropy()
    {
        double MeanEntropy(double ambiguity)
        {
            using var dir = new TempDir();
            SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 100, Seed = 5, RaterAmbiguity = ambiguity, ModalityConflict = 0 }, dir.Root);
            var (corpus, _) = IemocapLoader.Load(dir.Root, new IemocapOptions { Subset = IemocapSubset.AnyVote });
            return corpus.Utterances.Average(u => SoftLabels.NormalizedEntropy(u.SoftLabel));
        }
        double low = MeanEntropy(0.0), high = MeanEntropy(0.9);
        Assert.True(low < 0.15, $"a=0 should give near-unanimous votes; mean normalized entropy {low}");
        Assert.True(high > low + 0.3, $"a=0.9 entropy {high} vs a=0 {low}");
    }

    [Fact]
    public void Modality_conflict_knob_sets_the_share_of_conflicting_utterances()
    {
        using var dir = new TempDir();
        var s = SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 200, Seed = 9, ModalityConflict = 0.5 }, dir.Root);
        var truth = ReadTruth(s.Root);
        var rows = truth.Where(kv => kv.Key != "#header").Select(kv => kv.Value).ToList();
        int conflicts = rows.Count(r => r[6] == "1");
        Assert.Equal(s.ConflictUtterances, conflicts);
        Assert.InRange(conflicts, 70, 130); // Binomial(200, 0.5): ±4 standard deviations
        Assert.All(rows.Where(r => r[6] == "1"), r => Assert.NotEqual(r[4], r[5]));
        Assert.All(rows.Where(r => r[6] == "0"), r => Assert.Equal(r[4], r[5]));
    }

    [Fact]
    public void Regenerating_replaces_a_larger_earlier_corpus_but_never_foreign_files()
    {
        using var dir = new TempDir();
        SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 300, Seed = 1 }, dir.Root);
        SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 40, Seed = 1 }, dir.Root);
        var (corpus, report) = IemocapLoader.Load(dir.Root, new IemocapOptions { Subset = IemocapSubset.AnyVote });
        Assert.Equal(40, report.UtterancesRead);
        using var foreign = new TempDir();
        Directory.CreateDirectory(foreign.Path("IEMOCAP_full_release", "Session1"));
        Assert.Throws<ArgumentException>(() => SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 40 }, foreign.Root));
        Assert.True(Directory.Exists(foreign.Path("IEMOCAP_full_release", "Session1")));
    }

    [Fact]
    public void Bad_options_are_rejected_with_the_option_name()
    {
        using var dir = new TempDir();
        var e = Assert.Throws<ArgumentException>(() => SyntheticCorpusGenerator.Generate(new SyntheticOptions { RaterAmbiguity = 1.5 }, dir.Root));
        Assert.Contains("[0, 1]", e.Message);
        Assert.Contains("RaterAmbiguity", e.Message);
    }
}
