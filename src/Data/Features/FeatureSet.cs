using Amber.Data.Corpora;

namespace Amber.Data.Features;

/// <summary>
/// Everything a training run needs about a corpus, as flat arrays in utterance order: identity and grouping (ids,
/// sessions, speakers, gender, split, label source), targets (soft labels <c>[N, C]</c>, hard labels <c>[N]</c>), speech
/// features <c>[N, Da]</c> float32 row-major, and the text side either as raw transcripts (for a per-fold TF-IDF fitted on
/// the training indices) or as imported embeddings <c>[N, Dt]</c>.
/// </summary>
public sealed class FeatureSet
{
    /// <summary>Utterance ids <c>[N]</c>.</summary>
    public required string[] Ids { get; init; }

    /// <summary>Sessions <c>[N]</c> (IEMOCAP 1–5, 0 otherwise).</summary>
    public required int[] Sessions { get; init; }

    /// <summary>Speaker ids <c>[N]</c>.</summary>
    public required string[] Speakers { get; init; }

    /// <summary>Genders <c>[N]</c>: F, M or U.</summary>
    public required string[] Genders { get; init; }

    /// <summary>Official splits <c>[N]</c> (empty strings for IEMOCAP).</summary>
    public required string[] Splits { get; init; }

    /// <summary>Label sources <c>[N]</c> (<c>human</c> or <c>human+&lt;source&gt;</c>).</summary>
    public required string[] LabelSources { get; init; }

    /// <summary>Class names, in soft-label column order.</summary>
    public IReadOnlyList<string> Classes { get; init; } = EmotionClasses.Names;

    /// <summary>Soft labels <c>[N, C]</c> row-major.</summary>
    public required float[] SoftLabels { get; init; }

    /// <summary>Hard labels <c>[N]</c>; -1 when the consensus is outside the classes.</summary>
    public required int[] HardLabels { get; init; }

    /// <summary>Speech features <c>[N, Da]</c> row-major.</summary>
    public required float[] Speech { get; init; }

    /// <summary>Da.</summary>
    public required int SpeechDim { get; init; }

    /// <summary>Names of the speech feature columns (<c>dim0…</c> for imported embeddings).</summary>
    public required string[] SpeechNames { get; init; }

    /// <summary>Where the speech features came from, e.g. <c>builtin-acoustic-v1</c> or <c>npy:wavlm-base-UTT</c>.</summary>
    public required string SpeechSource { get; init; }

    /// <summary>Transcripts <c>[N]</c>, for per-fold text features.</summary>
    public required string[] Texts { get; init; }

    /// <summary>Imported text embeddings <c>[N, Dt]</c>, or null when text features are built per fold from <see cref="Texts"/>.</summary>
    public float[]? TextFeatures { get; init; }

    /// <summary>Dt of <see cref="TextFeatures"/> (0 when null).</summary>
    public int TextDim { get; init; }

    /// <summary><c>tfidf-per-fold</c> or the import source of <see cref="TextFeatures"/>.</summary>
    public string TextSource { get; init; } = "tfidf-per-fold";

    /// <summary>N.</summary>
    public int Count => Ids.Length;

    /// <summary>Number of classes C.</summary>
    public int ClassCount => Classes.Count;

    /// <summary>Row <paramref name="i"/> of the speech features.</summary>
    public ReadOnlySpan<float> SpeechRow(int i) => Speech.AsSpan(i * SpeechDim, SpeechDim);

    /// <summary>Row <paramref name="i"/> of the soft labels.</summary>
    public ReadOnlySpan<float> SoftLabel(int i) => SoftLabels.AsSpan(i * ClassCount, ClassCount);

    /// <summary>Builds a set from a corpus and its speech matrix (rows in corpus order).</summary>
    public static FeatureSet FromCorpus(Corpus corpus, float[] speech, int speechDim, string[] speechNames, string speechSource,
        float[]? textFeatures = null, int textDim = 0, string? textSource = null)
    {
        var u = corpus.Utterances;
        int n = u.Count, c = EmotionClasses.Count;
        if (speech.Length != n * speechDim) throw new ArgumentException($"speech matrix has {speech.Length} values; expected {n} × {speechDim}");
        if (textFeatures is not null && textFeatures.Length != n * textDim) throw new ArgumentException($"text matrix has {textFeatures.Length} values; expected {n} × {textDim}");
        var soft = new float[n * c];
        for (int i = 0; i < n; i++) u[i].SoftLabel.CopyTo(soft, i * c);
        return new FeatureSet
        {
            Ids = u.Select(x => x.Id).ToArray(),
            Sessions = u.Select(x => x.Session).ToArray(),
            Speakers = u.Select(x => x.Speaker).ToArray(),
            Genders = u.Select(x => x.Gender).ToArray(),
            Splits = u.Select(x => x.Split).ToArray(),
            LabelSources = u.Select(x => x.LabelSource).ToArray(),
            SoftLabels = soft,
            HardLabels = u.Select(x => x.HardLabel).ToArray(),
            Speech = speech,
            SpeechDim = speechDim,
            SpeechNames = speechNames,
            SpeechSource = speechSource,
            Texts = u.Select(x => x.Text).ToArray(),
            TextFeatures = textFeatures,
            TextDim = textFeatures is null ? 0 : textDim,
            TextSource = textFeatures is null ? "tfidf-per-fold" : textSource ?? "imported",
        };
    }
}
