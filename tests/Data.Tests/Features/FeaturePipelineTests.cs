using Amber.Data.Corpora;
using Amber.Data.Features;
using Amber.Data.Npy;
using Amber.Data.Protocols;
using Amber.Data.Synthetic;

namespace Amber.Data.Tests.Features;

public class FeaturePipelineTests
{
    [Fact]
    public void Synthetic_corpus_is_reused_when_options_match_and_regenerated_otherwise()
    {
        using var dir = new TempDir();
        var o = new SyntheticOptions { Utterances = 30, Seed = 4 };
        var (root, generated) = FeaturePipeline.EnsureSynthetic(dir.Root, o);
        Assert.True(generated);
        Assert.False(FeaturePipeline.EnsureSynthetic(dir.Root, o).Generated);
        Assert.True(FeaturePipeline.EnsureSynthetic(dir.Root, o with { Seed = 5 }).Generated);
        Assert.True(File.Exists(Path.Combine(root, SyntheticCorpusGenerator.TruthFile)));
    }

    [Fact]
    public void Imported_speech_and_text_embeddings_follow_corpus_order_and_skip_tfidf()
    {
        using var dir = new TempDir();
        var (root, _) = FeaturePipeline.EnsureSynthetic(dir.Path("corpus"), new SyntheticOptions { Utterances = 30, Seed = 4 });
        var (corpus, _) = CorpusSpec.Parse(root).Load();
        Directory.CreateDirectory(dir.Path("emb"));
        for (int i = 0; i < corpus.Utterances.Count; i++) NpyWriter.Write(dir.Path("emb", corpus.Utterances[i].Id + ".npy"), [i, -i, 0.5f], [3]);
        var ids = corpus.Utterances.Select(u => u.Id).Reverse().ToArray();
        File.WriteAllLines(dir.Path("ids.txt"), ids);
        NpyWriter.Write(dir.Path("text.npy"), ids.SelectMany((_, r) => new[] { (float)r, 1f }).ToArray(), [ids.Length, 2]);

        var (set, _) = FeaturePipeline.Build(new FeaturePipelineOptions
        {
            Corpus = CorpusSpec.Parse("iemocap:" + root),
            Speech = "npy:" + dir.Path("emb"),
            Text = $"npy:{dir.Path("text.npy")},{dir.Path("ids.txt")}",
        });
        Assert.Equal(corpus.Utterances.Count, set.Count);
        Assert.Equal(3, set.SpeechDim);
        Assert.Equal(2, set.TextDim);
        for (int i = 0; i < set.Count; i++)
        {
            Assert.Equal([i, -i, 0.5f], set.SpeechRow(i).ToArray());
            Assert.Equal(set.Count - 1 - i, set.TextFeatures![i * 2]);
        }
        var fold = Folds.LeaveOneSessionOut(set, seed: 0)[0];
        var f = FoldFeatures.Build(set, fold);
        Assert.Null(f.TextModel);
        Assert.Equal(2, f.TextDim);
        Assert.Throws<ArgumentException>(() => FeaturePipeline.Import("wav2vec", ["a"], "--speech"));
    }
}

public class FeatureExtractorErrorTests
{
    [Fact]
    public void A_missing_or_wrong_rate_wav_surfaces_as_a_data_format_error_not_an_aggregate()
    {
        var (corpus, _) = Amber.Data.Iemocap.IemocapLoader.Load(Fixture.Path("iemocap"), new Amber.Data.Iemocap.IemocapOptions { RequireWav = false });
        var e = Assert.Throws<DataFormatException>(() => FeatureExtractor.ExtractBuiltin(corpus));
        Assert.Equal("wav", e.Field);
        Assert.Equal("Ses02M_script01_1_M001", e.Value);
        var (withWavs, _) = Amber.Data.Iemocap.IemocapLoader.Load(Fixture.Path("iemocap"));
        var rate = Assert.Throws<DataFormatException>(() => FeatureExtractor.ExtractBuiltin(withWavs, new Amber.Data.Features.Acoustic.AcousticOptions { SampleRate = 8000 }));
        Assert.Equal("sample rate", rate.Field);
        Assert.Equal("16000", rate.Value);
    }
}
