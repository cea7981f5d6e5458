using Amber.Data.Corpora;
using Amber.Data.Features;
using Amber.Data.Features.Acoustic;
using Amber.Data.Iemocap;
using Amber.Data.Protocols;
using Amber.Data.Synthetic;
using MathNet.Numerics.LinearAlgebra;

namespace Amber.Data.Tests.Synthetic;

/// <summary>
/// The synthetic corpus must carry emotion in both modalities, or no model comparison on it means anything. A nearest
/// class-mean classifier (no learning beyond class means) on a held-out session checks each modality separately.
/// </summary>
public class SyntheticSignalTests
{
    // Ridge-regression classifier (least squares on one-hot targets, solved exactly): a plain linear probe of one modality.
    private static int[] Probe(float[] x, int dim, int[] labels, FoldSplit fold, double ridge)
    {
        const int C = EmotionClasses.Count;
        var a = Matrix<double>.Build.Dense(fold.Train.Length, dim + 1, (r, d) => d == dim ? 1 : x[fold.Train[r] * dim + d]);
        var y = Matrix<double>.Build.Dense(fold.Train.Length, C, (r, c) => labels[fold.Train[r]] == c ? 1 : 0);
        var w = (a.TransposeThisAndMultiply(a) + ridge * Matrix<double>.Build.DenseIdentity(dim + 1)).Solve(a.TransposeThisAndMultiply(y));
        return fold.Test.Select(i =>
        {
            var row = Vector<double>.Build.Dense(dim + 1, d => d == dim ? 1 : x[i * dim + d]);
            return (w.TransposeThisAndMultiply(row)).MaximumIndex();
        }).ToArray();
    }

    // The 72 handcrafted columns: the set DiME-Aug interpolates in, and few enough for a small training set.
    private static float[] Handcrafted(float[] x, int dim)
    {
        int n = x.Length / dim, k = AcousticFeatures.HandcraftedCount;
        var result = new float[n * k];
        for (int i = 0; i < n; i++) Array.Copy(x, i * dim, result, i * k, k);
        return result;
    }

    // Pooled over leave-one-session-out folds: (probe accuracy, accuracy of predicting the training majority class).
    private static (double Probe, double Majority) Pooled(FeatureSet set, double ridge, Func<FoldFeatures, (float[] X, int Dim)> pick)
    {
        int correct = 0, majority = 0, total = 0;
        foreach (var fold in Folds.LeaveOneSessionOut(set, seed: 0, validationFraction: 0))
        {
            var (x, dim) = pick(FoldFeatures.Build(set, fold));
            var predicted = Probe(x, dim, set.HardLabels, fold, ridge);
            int common = fold.Train.GroupBy(i => set.HardLabels[i]).OrderByDescending(g => g.Count()).First().Key;
            for (int k = 0; k < fold.Test.Length; k++)
            {
                correct += predicted[k] == set.HardLabels[fold.Test[k]] ? 1 : 0;
                majority += set.HardLabels[fold.Test[k]] == common ? 1 : 0;
            }
            total += fold.Test.Length;
        }
        return (correct / (double)total, majority / (double)total);
    }

    [Fact]
    public void Voice_and_words_each_predict_the_label_above_chance_on_held_out_sessions()
    {
        using var dir = new TempDir();
        SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 400, Seed = 21 }, dir.Root);
        var (corpus, _) = IemocapLoader.Load(dir.Root);
        var set = FeatureExtractor.ExtractBuiltin(corpus);
        var (speech, chance) = Pooled(set, 10, f => (Handcrafted(f.Speech, f.SpeechDim), AcousticFeatures.HandcraftedCount));
        var (text, _) = Pooled(set, 0.3, f => (f.Text, f.TextDim));
        Assert.True(speech > chance + 0.1, $"speech probe accuracy {speech:0.000} vs majority {chance:0.000}");
        Assert.True(text > chance + 0.1, $"text probe accuracy {text:0.000} vs majority {chance:0.000}");
    }

    [Fact]
    public void Without_emotion_words_the_text_falls_to_chance()
    {
        using var dir = new TempDir();
        SyntheticCorpusGenerator.Generate(new SyntheticOptions { Utterances = 300, Seed = 22, LexicalEmotionRate = 0 }, dir.Root);
        var (corpus, _) = IemocapLoader.Load(dir.Root);
        var set = FeatureSet.FromCorpus(corpus, new float[corpus.Utterances.Count], 1, ["none"], "none");
        var (text, chance) = Pooled(set, 0.3, f => (f.Text, f.TextDim));
        Assert.True(text < chance + 0.08, $"text without emotion words still reaches {text:0.000} (majority {chance:0.000})");
    }
}
