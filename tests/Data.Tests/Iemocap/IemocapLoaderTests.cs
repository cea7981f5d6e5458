using Amber.Data.Corpora;
using Amber.Data.Iemocap;

namespace Amber.Data.Tests.Iemocap;

public class IemocapLoaderTests
{
    private static readonly string Root = Fixture.Path("iemocap", "IEMOCAP_full_release");

    private static Utterance Get(Corpus corpus, string id) => corpus.Utterances.Single(u => u.Id == id);

    private static void AssertSoft(float[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 6);
    }

    [Fact]
    public void Consensus4_keeps_the_four_class_consensus_utterances_with_external_votes_only()
    {
        var (corpus, report) = IemocapLoader.Load(Root);
        // F000 neu, M001 exc (happy), Ses02 F000 ang, M000 sad; M000 xxx is outside the subset; F001 has no in-class vote;
        // Ses02 M001 has no wav.
        Assert.Equal(["Ses01F_impro01_F000", "Ses01F_impro01_M001", "Ses02M_script01_1_F000", "Ses02M_script01_1_M000"],
            corpus.Utterances.Select(u => u.Id).ToArray());
        Assert.Equal(7, report.UtterancesRead);
        Assert.Equal(4, report.Kept);
        Assert.Equal(1, report.Dropped["no in-class vote"]);
        Assert.Equal(1, report.Dropped["consensus outside the four classes"]);
        Assert.Equal(1, report.Dropped["missing wav"]);
        AssertSoft([1, 0, 0, 0], Get(corpus, "Ses01F_impro01_F000").SoftLabel);
        AssertSoft([1f / 3, 2f / 3, 0, 0], Get(corpus, "Ses01F_impro01_M001").SoftLabel);
        AssertSoft([1f / 3, 0, 0, 2f / 3], Get(corpus, "Ses02M_script01_1_M000").SoftLabel);
        Assert.Equal(EmotionClasses.Happy, Get(corpus, "Ses01F_impro01_M001").HardLabel);
        Assert.Equal(EmotionClasses.Angry, Get(corpus, "Ses02M_script01_1_F000").HardLabel);
    }

    [Fact]
    public void Gender_and_speaker_come_from_the_last_token_not_the_session_letter()
    {
        var (corpus, _) = IemocapLoader.Load(Root);
        var u = Get(corpus, "Ses02M_script01_1_F000");
        Assert.Equal("F", u.Gender);
        Assert.Equal("Ses02_F", u.Speaker);
        Assert.Equal(2, u.Session);
        Assert.Equal("Ses02M_script01_1", u.Dialog);
        Assert.Equal("M", Get(corpus, "Ses01F_impro01_M001").Gender);
    }

    [Fact]
    public void Any_vote_keeps_xxx_utterances_and_multi_label_lines_give_several_votes()
    {
        var (corpus, report) = IemocapLoader.Load(Root, new IemocapOptions { Subset = IemocapSubset.AnyVote });
        var u = Get(corpus, "Ses01F_impro01_M000");
        // E1 "Frustration; Anger;" E2 "Excited;" E4 "Sadness;" → in-class: angry 1, happy 1, sad 1; Frustration dropped.
        AssertSoft([0, 1f / 3, 1f / 3, 1f / 3], u.SoftLabel);
        Assert.Equal(-1, u.HardLabel);
        Assert.Equal("xxx", u.Consensus);
        Assert.Equal(1.0, u.Votes["Frustration"]);
        Assert.Equal(1.0, u.Votes["Anger"]);
        Assert.Equal(4, report.OutOfClassVotes["Frustration"]);
        Assert.Equal(5, report.Kept);
    }

    [Fact]
    public void Self_evaluations_count_only_when_asked()
    {
        var (corpus, _) = IemocapLoader.Load(Root, new IemocapOptions { Subset = IemocapSubset.AnyVote, IncludeSelfEvaluations = true });
        AssertSoft([0, 0.25f, 0.5f, 0.25f], Get(corpus, "Ses01F_impro01_M000").SoftLabel);
        Assert.Equal(4.0, Get(corpus, "Ses01F_impro01_F000").ClassVotes[0]);
    }

    [Fact]
    public void Transcripts_vad_times_and_skipped_lines_are_read()
    {
        var (corpus, report) = IemocapLoader.Load(Root);
        var u = Get(corpus, "Ses01F_impro01_F000");
        Assert.Equal("Excuse me.", u.Text);
        Assert.Equal([2.5, 2.5, 2.5], u.Vad);
        Assert.Equal(6.2901, u.StartSeconds, 6);
        Assert.Equal(8.2357, u.EndSeconds, 6);
        Assert.EndsWith("Ses01F_impro01_F000.wav", u.WavPath);
        Assert.Equal(1, report.SkippedLines["transcription line that is not an utterance"]);
        Assert.Equal(1, report.SkippedLines["transcription XX turn"]);
        Assert.Equal(2 + 2, report.FilesRead); // AppleDouble and Categorical/ files are not read
    }

    [Fact]
    public void Custom_class_map_and_missing_wavs_allowed()
    {
        var map = new Dictionary<string, string>(IemocapOptions.DefaultClassMap) { ["Frustration"] = "angry" };
        var (corpus, _) = IemocapLoader.Load(Root, new IemocapOptions { ClassMap = map, Subset = IemocapSubset.AnyVote, RequireWav = false });
        AssertSoft([0, 0, 1, 0], Get(corpus, "Ses01F_impro01_F001").SoftLabel);
        Assert.Equal(EmotionClasses.Angry, Get(corpus, "Ses01F_impro01_F001").HardLabel);
        Assert.Null(Get(corpus, "Ses02M_script01_1_M001").WavPath);
    }

    [Fact]
    public void Report_summarizes_votes_balance_and_entropy()
    {
        var (_, report) = IemocapLoader.Load(Root);
        Assert.Equal(4, report.VotesPerUtterance[3]);
        Assert.Equal(1, report.ClassBalance["neutral"]);
        Assert.Equal(1, report.ClassBalance["happy"]);
        // Entropies: 0, 0, H(1/3,2/3)/ln2 = 0.918 twice.
        Assert.Equal(2, report.EntropyHistogram[0]);
        Assert.Equal(2, report.EntropyHistogram[9]);
    }

    [Fact]
    public void Malformed_line_fails_with_file_line_text_and_expectation()
    {
        var root = Fixture.Path("iemocap-malformed");
        var e = Assert.Throws<DataFormatException>(() => IemocapLoader.Load(root, new IemocapOptions { RequireWav = false }));
        Assert.Equal(7, e.Line);
        Assert.EndsWith("Ses03F_impro02.txt", e.File);
        Assert.Equal("summary line", e.Field);
        Assert.Contains("Ses03F_impro02.txt:7", e.Message);
        Assert.Contains("[3.0000 - 4.0000<TAB>Ses03F_impro02_M000", e.Message);
        Assert.Contains("expected", e.Message);
    }

    [Fact]
    public void Lenient_mode_skips_and_counts_malformed_lines()
    {
        var root = Fixture.Path("iemocap-malformed");
        var (corpus, report) = IemocapLoader.Load(root, new IemocapOptions { RequireWav = false, Lenient = true });
        // Broken summary (its block skipped), "C-E1 Sadness;" without ':', "val two".
        Assert.Equal(3, report.MalformedLines);
        Assert.Equal(3, report.Messages.Count);
        Assert.Contains(report.Messages, m => m.Contains(":11:", StringComparison.Ordinal) && m.Contains("evaluator", StringComparison.Ordinal));
        Assert.Equal(["Ses03F_impro02_F000", "Ses03F_impro02_M001"], corpus.Utterances.Select(u => u.Id).ToArray());
        Assert.Equal([0f, 0, 0, 1], corpus.Utterances[1].SoftLabel);
    }

    [Theory]
    [InlineData("Ses01F_impro01_F000", 1, "Ses01F_impro01", "F", false)]
    [InlineData("Ses03M_impro05a_M012", 3, "Ses03M_impro05a", "M", false)]
    [InlineData("Ses05M_script01_1b_F003", 5, "Ses05M_script01_1b", "F", false)]
    [InlineData("Ses03F_impro06_FXX0", 3, "Ses03F_impro06", "F", true)]
    public void Utterance_ids_parse(string id, int session, string dialog, string gender, bool xx)
    {
        Assert.Equal(new UtteranceId(session, dialog, gender, xx), UtteranceId.TryParse(id));
    }

    [Fact]
    public void Missing_folder_is_a_clear_error()
    {
        var e = Assert.Throws<DataFormatException>(() => IemocapLoader.Load("/nonexistent/IEMOCAP"));
        Assert.Contains("IEMOCAP_full_release", e.Message);
    }
}
