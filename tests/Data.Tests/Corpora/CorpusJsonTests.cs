using System.Text.Json;
using Amber.Data.Audio;
using Amber.Data.Corpora;
using Amber.Data.Iemocap;

namespace Amber.Data.Tests.Corpora;

public class CorpusJsonTests
{
    [Fact]
    public void Inspect_document_has_classes_utterances_and_report()
    {
        var (corpus, report) = IemocapLoader.Load(Fixture.Path("iemocap"), new IemocapOptions { Subset = IemocapSubset.AnyVote });
        using var ms = new MemoryStream();
        CorpusJson.Write(ms, corpus, report);
        using var doc = JsonDocument.Parse(ms.ToArray());
        var root = doc.RootElement;
        Assert.Equal(["neutral", "happy", "angry", "sad"], root.GetProperty("classes").EnumerateArray().Select(e => e.GetString()));
        var u = root.GetProperty("utterances").EnumerateArray().Single(e => e.GetProperty("id").GetString() == "Ses01F_impro01_M000");
        Assert.Equal(1, u.GetProperty("session").GetInt32());
        Assert.Equal("Ses01_M", u.GetProperty("speaker").GetString());
        Assert.Equal("M", u.GetProperty("gender").GetString());
        Assert.Equal("xxx", u.GetProperty("consensus").GetString());
        Assert.Equal(1, u.GetProperty("votes").GetProperty("Frustration").GetDouble());
        Assert.Equal(JsonValueKind.Null, u.GetProperty("hard_label").ValueKind);
        var soft = u.GetProperty("soft_label").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        double[] expected = [0, 1 / 3.0, 1 / 3.0, 1 / 3.0];
        for (int c = 0; c < 4; c++) Assert.Equal(expected[c], soft[c], 6);
        var happy = root.GetProperty("utterances").EnumerateArray().Single(e => e.GetProperty("id").GetString() == "Ses01F_impro01_M001");
        Assert.Equal("happy", happy.GetProperty("hard_label").GetString());
        var r = root.GetProperty("report");
        Assert.Equal(7, r.GetProperty("utterances_read").GetInt32());
        Assert.Equal(5, r.GetProperty("kept").GetInt32());
        Assert.Equal(1, r.GetProperty("dropped").GetProperty("no in-class vote").GetInt32());
        Assert.Equal(10, r.GetProperty("entropy_histogram").GetArrayLength());
    }

    [Theory]
    [InlineData("iemocap:/data/IEMOCAP_full_release", "iemocap", "/data/IEMOCAP_full_release")]
    [InlineData("msp:/data/MSP", "msp", "/data/MSP")]
    [InlineData("/tmp/synth", "iemocap", "/tmp/synth")]
    public void Corpus_specs_parse(string spec, string kind, string path) => Assert.Equal(new CorpusSpec(kind, path), CorpusSpec.Parse(spec));

    [Fact]
    public void Unknown_corpus_kind_names_the_accepted_forms()
    {
        Assert.Contains("iemocap:<path>", Assert.Throws<ArgumentException>(() => CorpusSpec.Parse("crema:/x")).Message);
    }

    [Fact]
    public void Wav_reader_rejects_non_riff_and_reads_what_the_writer_wrote()
    {
        Assert.Equal("RIFF header", Assert.Throws<DataFormatException>(() => WavFile.Parse("not a wav file"u8, "x.wav")).Field);
        using var dir = new TempDir();
        WavFile.WritePcm16(dir.Path("a.wav"), [0f, 0.5f, -0.5f, 1f], 16000);
        var (s, rate) = WavFile.Read(dir.Path("a.wav"));
        Assert.Equal(16000, rate);
        Assert.Equal([0f, 16384f / 32768, -16384f / 32768, 32767f / 32768], s.Select(x => (float)Math.Round(x * 32768) / 32768));
    }
}
