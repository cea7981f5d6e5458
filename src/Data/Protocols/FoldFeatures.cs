using Amber.Data.Features;
using Amber.Data.Text;

namespace Amber.Data.Protocols;

/// <summary>Per-fold feature settings.</summary>
public sealed record FoldFeatureOptions
{
    /// <summary>Text features when the set has no imported text embeddings.</summary>
    public TextFeaturizerOptions Text { get; init; } = new();

    /// <summary>Standardize speech features with training-row statistics (default true).</summary>
    public bool StandardizeSpeech { get; init; } = true;

    /// <summary>Standardize imported text embeddings with training-row statistics (default true; TF-IDF rows are left unit-length).</summary>
    public bool StandardizeImportedText { get; init; } = true;
}

/// <summary>
/// The model inputs of one fold, for all N rows of the set: speech <c>[N, Da]</c> and text <c>[N, Dt]</c>, with every
/// statistic (standardization, TF-IDF idf) fitted on the fold's training rows only, so validation and test rows never
/// leak into the features.
/// </summary>
/// <param name="Speech">Speech features <c>[N, Da]</c>, standardized with <see cref="SpeechScaler"/>.</param>
/// <param name="SpeechDim">Da.</param>
/// <param name="Text">Text features <c>[N, Dt]</c>.</param>
/// <param name="TextDim">Dt.</param>
/// <param name="SpeechScaler">Training-row statistics of the speech features (null when not standardized).</param>
/// <param name="TextScaler">Training-row statistics of imported text embeddings (null for TF-IDF).</param>
/// <param name="TextModel">The TF-IDF fitted on the training rows (null for imported text embeddings).</param>
public sealed record FoldFeatures(float[] Speech, int SpeechDim, float[] Text, int TextDim, Standardizer? SpeechScaler, Standardizer? TextScaler, HashedTfidf? TextModel)
{
    /// <summary>Builds the fold's inputs from a feature set.</summary>
    public static FoldFeatures Build(FeatureSet set, FoldSplit fold, FoldFeatureOptions? options = null)
    {
        options ??= new FoldFeatureOptions();
        Standardizer? speechScaler = null;
        var speech = set.Speech;
        if (options.StandardizeSpeech)
        {
            speechScaler = Standardizer.Fit(set.Speech, set.SpeechDim, fold.Train);
            speech = speechScaler.Transform(set.Speech);
        }
        if (set.TextFeatures is not null)
        {
            Standardizer? textScaler = null;
            var text = set.TextFeatures;
            if (options.StandardizeImportedText)
            {
                textScaler = Standardizer.Fit(set.TextFeatures, set.TextDim, fold.Train);
                text = textScaler.Transform(set.TextFeatures);
            }
            return new FoldFeatures(speech, set.SpeechDim, text, set.TextDim, speechScaler, textScaler, null);
        }
        var tfidf = HashedTfidf.Fit(set.Texts, fold.Train, options.Text);
        return new FoldFeatures(speech, set.SpeechDim, tfidf.Transform(set.Texts), tfidf.Dimension, speechScaler, null, tfidf);
    }
}
