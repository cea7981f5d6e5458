using Amber.Data.Corpora;
using Amber.Data.Iemocap;
using Amber.Data.Msp;

namespace Amber.Data.Tests.Msp;

public class MspPodcastLoaderTests
{
    private static Utterance Get(Corpus c, string id) => c.Utterances.Single(u => u.Id == id);

    private static void AssertSoft(double[] expected, float[] actual)
    {
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], actual[i], 6);
    }

    [Fact]
    public void EmoDetail_form_gives_primary_vote_fractions_and_metadata()
    {
        var (corpus, report) = MspPodcastLoader.Load(Fixture.Path("msp"), new MspOptions { RequireWav = false });
        Assert.Equal(["MSP-PODCAST_0001_0008", "MSP-PODCAST_0001_0139", "MSP-PODCAST_0003_0001"], corpus.Utterances.Select(u => u.Id).ToArray());
        var u = Get(corpus, "MSP-PODCAST_0001_0008");
        AssertSoft([1, 0, 0, 0], u.SoftLabel); // Neutral, Neutral, Other-bored (dropped)
        Assert.Equal("Test1", u.Split);
        Assert.Equal("msp_30", u.Speaker);
        Assert.Equal("M", u.Gender);
        Assert.Equal(EmotionClasses.Neutral, u.HardLabel);
        Assert.Equal([4.0, 2.2, 2.6], u.Vad);
        Assert.Equal("I think that's fine.", u.Text);
        AssertSoft([0, 0, 1, 0], Get(corpus, "MSP-PODCAST_0001_0139").SoftLabel);
        Assert.Equal(1.0, Get(corpus, "MSP-PODCAST_0001_0139").Votes["Contempt"]); // duplicate worker counted once
        Assert.Equal(1, report.SkippedLines["duplicate worker annotation (last one kept)"]);
        Assert.Equal(1, report.Dropped["no in-class vote"]);
        Assert.Equal(1, report.Dropped["consensus outside the four classes"]);
        Assert.Equal(1.0, report.OutOfClassVotes["Other"]);
        Assert.Equal(2.0, report.OutOfClassVotes["Surprise"]);
    }

    [Fact]
    public void Any_vote_keeps_no_agreement_files_with_a_per_file_unknown_speaker()
    {
        var (corpus, _) = MspPodcastLoader.Load(Fixture.Path("msp"), new MspOptions { RequireWav = false, Subset = IemocapSubset.AnyVote });
        var u = Get(corpus, "MSP-PODCAST_0002_0001");
        AssertSoft([0, 0.5, 0, 0.5], u.SoftLabel);
        Assert.Equal(-1, u.HardLabel);
        Assert.Equal("msp_unknown_MSP-PODCAST_0002_0001", u.Speaker);
        Assert.Equal("U", u.Gender);
        Assert.Equal("Development", u.Split);
    }

    [Fact]
    public void Secondary_votes_add_with_their_weight()
    {
        var (corpus, _) = MspPodcastLoader.Load(Fixture.Path("msp"), new MspOptions { RequireWav = false, SecondaryWeight = 0.1 });
        // 0008: Neutral 2 + secondary Sad 0.1 (Concerned/Confused are not classes).
        AssertSoft([2 / 2.1, 0, 0, 0.1 / 2.1], Get(corpus, "MSP-PODCAST_0001_0008").SoftLabel);
        // 0139: Angry 2 + secondary Angry 0.1 from the Contempt worker.
        AssertSoft([0, 0, 1, 0], Get(corpus, "MSP-PODCAST_0001_0139").SoftLabel);
    }

    [Fact]
    public void Missing_wavs_are_dropped_and_counted()
    {
        var (corpus, report) = MspPodcastLoader.Load(Fixture.Path("msp"));
        Assert.Equal(["MSP-PODCAST_0001_0008"], corpus.Utterances.Select(u => u.Id).ToArray());
        Assert.Equal(2, report.Dropped["missing wav"]);
    }

    [Fact]
    public void Labels_txt_form_is_read_when_there_is_no_detailed_csv()
    {
        var (corpus, _) = MspPodcastLoader.Load(Fixture.Path("msp-txt"), new MspOptions { RequireWav = false });
        AssertSoft([0.5, 0, 0, 0.5], Get(corpus, "MSP-PODCAST_0001_0008").SoftLabel);
        AssertSoft([0, 0, 1, 0], Get(corpus, "MSP-PODCAST_0001_0139").SoftLabel);
    }

    [Fact]
    public void WorkerID_column_form_with_codes_is_read()
    {
        var (corpus, _) = MspPodcastLoader.Load(Fixture.Path("msp-columns"), new MspOptions { RequireWav = false, SecondaryWeight = 0.1 });
        AssertSoft([1 / 2.1, 1.1 / 2.1, 0, 0], Get(corpus, "MSP-PODCAST_0001_0008").SoftLabel);
        AssertSoft([0, 0, 1, 0], Get(corpus, "MSP-PODCAST_0001_0139").SoftLabel);
    }

    [Fact]
    public void Bad_number_names_file_line_field_and_expectation_or_is_skipped_leniently()
    {
        var e = Assert.Throws<DataFormatException>(() => MspPodcastLoader.Load(Fixture.Path("msp-bad"), new MspOptions { RequireWav = false }));
        Assert.Equal(3, e.Line);
        Assert.Equal("EmoAct", e.Field);
        Assert.Equal("high", e.Value);
        Assert.Contains("labels_consensus.csv:3", e.Message);
        var (corpus, report) = MspPodcastLoader.Load(Fixture.Path("msp-bad"), new MspOptions { RequireWav = false, Lenient = true });
        Assert.Equal(1, report.MalformedLines);
        Assert.Single(corpus.Utterances);
    }
}
