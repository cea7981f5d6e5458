using Amber.Data.Features;
using Amber.Data.Iemocap;
using Amber.Data.Protocols;
using Amber.Data.Synthetic;

namespace Amber.Data.Tests.Features;

public class FeatureSetStoreTests
{
    private static FeatureSet Small(int n, int dim, bool text)
    {
        var rng = new Random(n);
        float[] Matrix(int d) => Enumerable.Range(0, n * d).Select(_ => (float)rng.NextDouble()).ToArray();
        return new FeatureSet
        {
            Ids = Enumerable.Range(0, n).Select(i => $"u{i:000}").ToArray(),
            Sessions = Enumerable.Range(0, n).Select(i => 1 + i % 5).ToArray(),
            Speakers = Enumerable.Range(0, n).Select(i => $"Ses0{1 + i % 5}_{(i % 2 == 0 ? "F" : "M")}").ToArray(),
            Genders = Enumerable.Range(0, n).Select(i => i % 2 == 0 ? "F" : "M").ToArray(),
            Splits = Enumerable.Repeat("", n).ToArray(),
            LabelSources = Enumerable.Repeat("human", n).ToArray(),
            SoftLabels = Enumerable.Range(0, n).SelectMany(i => new[] { 0.25f, 0.5f, 0.125f, 0.125f }).ToArray(),
            HardLabels = Enumerable.Range(0, n).Select(i => i % 4).ToArray(),
            Speech = Matrix(dim),
            SpeechDim = dim,
            SpeechNames = Enumerable.Range(0, dim).Select(d => $"f{d}").ToArray(),
            SpeechSource = "test",
            Texts = Enumerable.Range(0, n).Select(i => $"text {i}").ToArray(),
            TextFeatures = text ? Matrix(3) : null,
            TextDim = text ? 3 : 0,
            TextSource = text ? "npy:test" : "tfidf-per-fold",
        };
    }

    [Fact]
    public async Task Round_trip_through_fixed_size_shards()
    {
        var store = new MemoryBlobStore();
        var set = Small(25, 7, text: true);
        var manifest = await FeatureSetStore.WriteAsync(store, "features/x", set, shardRows: 10);
        Assert.Equal([10, 10, 5], manifest.Shards.Where(s => s.Kind == "speech").Select(s => s.Rows));
        Assert.Equal(3, manifest.Shards.Count(s => s.Kind == "text"));
        Assert.Contains("features/x/manifest.json", store.Names);
        var back = await FeatureSetStore.ReadAsync(store, "features/x");
        Assert.Equal(set.Ids, back.Ids);
        Assert.Equal(set.Speech, back.Speech);
        Assert.Equal(set.TextFeatures, back.TextFeatures);
        Assert.Equal(set.SoftLabels, back.SoftLabels);
        Assert.Equal(set.HardLabels, back.HardLabels);
        Assert.Equal(set.Speakers, back.Speakers);
        Assert.Equal(set.SpeechNames, back.SpeechNames);
        Assert.Equal("npy:test", back.TextSource);
    }

    [Fact]
    public async Task Rewriting_the_same_set_uploads_only_the_manifest_and_keeps_the_hash()
    {
        var store = new MemoryBlobStore();
        var set = Small(12, 4, text: false);
        var a = await FeatureSetStore.WriteAsync(store, "p", set, shardRows: 5);
        int puts = store.Puts;
        var b = await FeatureSetStore.WriteAsync(store, "p", set, shardRows: 5);
        Assert.Equal(puts + 1, store.Puts);
        Assert.Equal(a.ContentSha256, b.ContentSha256);
        Assert.Equal(64, a.ContentSha256.Length);
    }

    [Fact]
    public async Task Corrupted_shard_or_manifest_is_detected()
    {
        var store = new MemoryBlobStore();
        var manifest = await FeatureSetStore.WriteAsync(store, "p", Small(6, 3, text: false), shardRows: 4);
        store.Corrupt(manifest.Shards[0].Name, b => { var c = (byte[])b.Clone(); c[^1] ^= 1; return c; });
        var e = await Assert.ThrowsAsync<InvalidDataException>(() => FeatureSetStore.ReadAsync(store, "p"));
        Assert.Contains("SHA-256", e.Message);
        store.Corrupt("p/manifest.json", b => System.Text.Encoding.UTF8.GetBytes(System.Text.Encoding.UTF8.GetString(b).Replace("\"u001\"", "\"u999\"", StringComparison.Ordinal)));
        Assert.Contains("content_sha256", (await Assert.ThrowsAsync<InvalidDataException>(() => FeatureSetStore.ReadAsync(store, "p"))).Message);
        Assert.Contains("amber features extract", (await Assert.ThrowsAsync<InvalidDataException>(() => FeatureSetStore.ReadAsync(store, "nothing"))).Message);
    }

    [Fact]
    public void Synthetic_corpus_to_fold_features_end_to_end()
    {
        using var dir = new TempDir();
        SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 60, Seed = 2 }, dir.Root);
        var (corpus, _) = IemocapLoader.Load(dir.Root, new IemocapOptions { Subset = IemocapSubset.AnyVote });
        int done = 0;
        var set = FeatureExtractor.ExtractBuiltin(corpus, progress: new Progress<int>(n => Interlocked.Exchange(ref done, n)));
        Assert.Equal(corpus.Utterances.Count, set.Count);
        Assert.Equal(162, set.SpeechDim);
        Assert.All(set.Speech, v => Assert.True(float.IsFinite(v)));
        Assert.Equal(FeatureExtractor.BuiltinSource, set.SpeechSource);

        var folds = Folds.LeaveOneSessionOut(set, seed: 1);
        var f = FoldFeatures.Build(set, folds[0]);
        Assert.Equal(set.Count * 1024, f.Text.Length);
        // Training rows are standardized with their own statistics: mean 0 per column.
        for (int d = 0; d < f.SpeechDim; d += 17)
        {
            double mean = folds[0].Train.Average(i => (double)f.Speech[i * f.SpeechDim + d]);
            Assert.Equal(0, mean, 4);
        }
        // The TF-IDF model saw only training texts: a test-only word gets no weight.
        Assert.Equal(f.TextModel!.Idf, HashedTfidf_FitOnTrain(set, folds[0]).Idf);
    }

    private static Amber.Data.Text.HashedTfidf HashedTfidf_FitOnTrain(FeatureSet set, FoldSplit fold) =>
        Amber.Data.Text.HashedTfidf.Fit(fold.Train.Select(i => set.Texts[i]).ToArray(), Enumerable.Range(0, fold.Train.Length).ToArray());
}
