using Amber.Data.Corpora;
using Amber.Data.Iemocap;

namespace Amber.Data.Tests.Corpora;

public class ExtraVotesTests
{
    [Fact]
    public void Merged_soft_label_weighs_extra_votes_by_w_and_records_the_source()
    {
        var (corpus, _) = IemocapLoader.Load(Fixture.Path("iemocap", "IEMOCAP_full_release"));
        using var dir = new TempDir();
        File.WriteAllLines(dir.Path("extra.csv"),
        [
            "utterance_id,annotator_id,label,source",
            "Ses01F_impro01_F000,alm1,sad,alm",
            "Ses01F_impro01_F000,alm2,Anger,alm",
            "Ses01F_impro01_F000,alm3,Frustration,alm",
            "Ses09X_unknown_F000,alm1,sad,alm",
        ]);
        var votes = ExtraVotes.Load(dir.Path("extra.csv"));
        var (merged, report) = ExtraVotes.Merge(corpus, votes, weight: 0.5);
        var u = merged.Utterances.Single(x => x.Id == "Ses01F_impro01_F000");
        // Human: neutral 3. Extra: sad 1, angry 1 with w = 0.5 → (3, 0, 0.5, 0.5) / 4.
        Assert.Equal([0.75f, 0f, 0.125f, 0.125f], u.SoftLabel);
        Assert.Equal("human+alm", u.LabelSource);
        Assert.Equal(2, report.Matched);
        Assert.Equal(1, report.UnknownUtterance);
        Assert.Equal(1, report.OutOfClass);
        Assert.Equal("human", merged.Utterances.Single(x => x.Id == "Ses01F_impro01_M001").LabelSource);
        Assert.Equal([1f, 0, 0, 0], corpus.Utterances.Single(x => x.Id == "Ses01F_impro01_F000").SoftLabel);

        using var ms = new MemoryStream();
        CorpusJson.Write(ms, merged, new LoadReport());
        using var doc = System.Text.Json.JsonDocument.Parse(ms.ToArray());
        var json = doc.RootElement.GetProperty("utterances")[0];
        Assert.Equal(1, json.GetProperty("extra_votes").GetProperty("sad").GetDouble());
        Assert.Equal(0.5, json.GetProperty("extra_vote_weight").GetDouble());
        Assert.Equal("human+alm", json.GetProperty("label_source").GetString());
    }

    [Fact]
    public void Bad_rows_name_file_and_line()
    {
        using var dir = new TempDir();
        File.WriteAllLines(dir.Path("extra.csv"), ["utterance_id,annotator_id,label,source", "u1,a1,sad"]);
        var e = Assert.Throws<DataFormatException>(() => ExtraVotes.Load(dir.Path("extra.csv")));
        Assert.Equal(2, e.Line);
        File.WriteAllLines(dir.Path("bad.csv"), ["id,who,label"]);
        Assert.Equal("header", Assert.Throws<DataFormatException>(() => ExtraVotes.Load(dir.Path("bad.csv"))).Field);
    }
}
